"""street gazetteer (streets, their word tails, addresses, landmarks) and each issue's place in words

Existing issues get their place when streets are imported (`import-streets` names every issue that has
none) or with `locate-issues`; the tables are empty until then, so there is nothing to fill here.

Revision ID: 3f6a1c2d9b47
Revises: 8c4e2b7a1d93
Create Date: 2026-12-03 05:00:00

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry


# revision identifiers, used by Alembic.
revision = '3f6a1c2d9b47'
down_revision = '8c4e2b7a1d93'
branch_labels = None
depends_on = None


def _geometry(kind):
    return Geometry(geometry_type=kind, srid=4326, dimension=2, spatial_index=False,
                    from_text='ST_GeomFromEWKT', name='geometry', nullable=False)


# Byte order on PostgreSQL, so a prefix is an index range (app/models/gazetteer.py SEARCH_KEY).
SEARCH_KEY = sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')


def upgrade():
    op.create_geospatial_table('streets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=220), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('geom', _geometry('MULTILINESTRING'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_streets_area_id'), ['area_id'], unique=False)
        batch_op.create_geospatial_index('idx_streets_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})

    op.create_table('street_words',
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('tail', SEARCH_KEY, nullable=False),
    sa.Column('is_start', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('street_id', 'tail')
    )
    op.create_index('ix_street_words_tail', 'street_words', ['is_start', 'tail', 'street_id'], unique=False)

    op.create_geospatial_table('addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_key', sa.String(length=200), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('housenumber', sa.String(length=20), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('geom', _geometry('POINT'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('street_key', 'housenumber', name='uq_addresses_street_number')
    )
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_addresses_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})

    op.create_table('landmarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('search_key', SEARCH_KEY, nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_index('ix_landmarks_area_id', 'landmarks', ['area_id'], unique=False)
    op.create_index('ix_landmarks_search_key', 'landmarks', ['search_key', 'id'], unique=False)

    # Plain ADD COLUMN (no batch copy): SQLite keeps the triggers on `issues` that a table copy would drop.
    op.add_column('issues', sa.Column('place', sa.String(length=240), nullable=True))


def downgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('place')
    op.drop_index('ix_landmarks_search_key', table_name='landmarks')
    op.drop_index('ix_landmarks_area_id', table_name='landmarks')
    op.drop_table('landmarks')
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_geospatial_index('idx_addresses_geom', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('addresses')
    op.drop_index('ix_street_words_tail', table_name='street_words')
    op.drop_table('street_words')
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.drop_geospatial_index('idx_streets_geom', postgresql_using='gist', column_name='geom')
        batch_op.drop_index(batch_op.f('ix_streets_area_id'))
    op.drop_geospatial_table('streets')
