"""Migrations: the models and migrations/ never drift, and every step goes both ways."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db


def test_models_and_migrations_agree(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_db_check_notices_a_model_without_a_migration(runner):
    table = sa.Table("not_migrated", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        result = runner.invoke(args=["db", "check"])
    finally:
        db.metadata.remove(table)
    assert result.exit_code != 0


def test_downgrade_to_base_and_upgrade_again(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="base")
        assert "members" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        current = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        db.session.remove()
        config = app.extensions["migrate"].migrate.get_config()
    assert current == ScriptDirectory.from_config(config).get_current_head()
