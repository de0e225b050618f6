"""the ledger's hash chain: one append-only link per posting (its place, the hash before it, its hash)

Existing postings are chained in id order, with the recipe of budgets/ledger_chain.py (v1). The
database refuses UPDATEs of links as it does of postings and lines; on SQLite this also puts back
ledger_postings' own guard, which the table rebuild of e7aa90d2763e (batch mode) dropped.

Revision ID: 0ede18de5b4e
Revises: e7aa90d2763e
Create Date: 2026-12-03 08:00:00.000000

"""
import secrets

import sqlalchemy as sa
from alembic import op

from budgets.ledger_chain import GENESIS, canonical_time, posting_hash, public_account

# revision identifiers, used by Alembic.
revision = '0ede18de5b4e'
down_revision = 'e7aa90d2763e'
branch_labels = None
depends_on = None


def upgrade():
    chain = op.create_table('ledger_chain',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['posting_id'], ['ledger_postings.id'], ),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('posting_id')
    )
    _backfill(chain)
    _refuse_updates()


def _refuse_updates():
    if op.get_bind().dialect.name == "postgresql":
        # ledger_refuse_update() exists since b3c1abbf8a31; PostgreSQL kept ledger_postings' trigger.
        op.execute(
            "CREATE TRIGGER ledger_chain_no_update BEFORE UPDATE ON ledger_chain "
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_update()"
        )
        return
    for table in ("ledger_postings", "ledger_chain"):
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'the ledger is append-only: {table} rows are never updated'); END"
        )


def _backfill(chain):
    """Chain the postings that exist, in id order, exactly as the app seals new ones."""
    connection = op.get_bind()
    postings = sa.table(
        'ledger_postings',
        sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('created_at', sa.DateTime),
        sa.column('pool_id', sa.Integer), sa.column('issue_id', sa.Integer), sa.column('round_id', sa.Integer),
    )
    lines = sa.table(
        'ledger_lines',
        sa.column('id', sa.Integer), sa.column('posting_id', sa.Integer),
        sa.column('account', sa.String), sa.column('amount_cents', sa.BigInteger),
    )
    by_posting = {}
    for posting_id, account, cents in connection.execute(
        sa.select(lines.c.posting_id, lines.c.account, lines.c.amount_cents).order_by(lines.c.id)
    ):
        by_posting.setdefault(posting_id, []).append((account, int(cents)))
    prev, links = GENESIS, []
    rows = connection.execute(
        sa.select(
            postings.c.id, postings.c.kind, postings.c.created_at,
            postings.c.pool_id, postings.c.issue_id, postings.c.round_id,
        ).order_by(postings.c.id)
    ).all()
    for seq, (posting_id, kind, created_at, pool_id, issue_id, round_id) in enumerate(rows, start=1):
        salt = secrets.token_hex(16)
        public = [(public_account(a, salt), c) for a, c in by_posting.get(posting_id, [])]
        digest = posting_hash(
            prev, posting_id, kind, canonical_time(created_at), pool_id, issue_id, round_id, public
        )
        links.append({'seq': seq, 'posting_id': posting_id, 'prev_hash': prev, 'hash': digest, 'salt': salt})
        prev = digest
    if links:
        op.bulk_insert(chain, links)


def downgrade():
    op.drop_table('ledger_chain')
