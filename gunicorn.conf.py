"""Gunicorn reads this file when started in this folder (`gunicorn wsgi:app`, `make run`, the
production profile). Its master builds the app once before any worker boots, so a setting that cannot
work stops gunicorn with the one line naming it (app/startup.py), instead of every worker failing to
boot with it and the master's own traceback after them. That app is dropped: each worker builds its own
(it opens no connection and starts no thread while being built)."""

from __future__ import annotations

# gunicorn 27's control socket lives at one path per user ($HOME/.gunicorn/gunicorn.ctl): a second
# gunicorn of the same user (make run beside the production profile, two profiles) listened on the same
# file, and the first to stop deleted it under the other. Nothing here uses it: stopping is by signal.
control_socket_disable = True

# The access log writes `<token>` for the tokens of reset, confirmation and unsubscribe links.
logger_class = "app.access_log.MaskedTokensLogger"


def on_starting(server: object) -> None:
    from app.startup import serving_or_exit

    serving_or_exit()
