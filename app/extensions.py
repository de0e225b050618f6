"""Flask extension objects, created unbound; create_app binds them."""

from typing import TYPE_CHECKING

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

# Models subclass db.Model, which Flask-SQLAlchemy builds from Base at run time (adding the table-name and
# bind-key mixins); mypy sees only an attribute holding some class, so it checks models against Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
compress = Compress()
