"""Shared fixtures: an isolated warehouse file and dbt target folder per test; the README's default fleet."""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))

# The pseudonymisation key of this test process and of every subprocess it starts (isolated_warehouse copies the
# environment): a temporary key file outside the repository, never the developer's ~/.config/lafa/pii.key.
PII_KEY_FILE = Path(tempfile.mkdtemp(prefix="lafa-pii-key-")) / "pii.key"
atexit.register(shutil.rmtree, PII_KEY_FILE.parent, True)
PII_KEY_FILE.write_text(secrets.token_hex(32) + "\n")
PII_KEY_FILE.chmod(0o600)
os.environ["LAFA_PII_KEY_FILE"] = str(PII_KEY_FILE)
os.environ.pop("LAFA_PII_KEY", None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep `--dist loadgroup` grouping under pytest 9.2. pytest-xdist 3.8 tags each test of an xdist_group by
    rewriting `item._nodeid` to `<nodeid>@<group>` on the workers, which is what its scheduler groups by; pytest 9.2
    derives `nodeid` from `item._id` instead, so the tag was lost and the default_fleet group spread over both
    workers, each building the default fleet (~2 minutes each). Re-derive the id from the tag."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        tagged = item.__dict__.get("_nodeid")
        if tagged and item.nodeid != tagged:
            item._id = NodeId.parse(tagged)


def lafa_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`lafa <args>` in a process of its own, with `env`, from the repo root."""
    return subprocess.run([sys.executable, "-m", "lafa.cli", *args], cwd=REPO, env=env, capture_output=True, text=True)


@dataclass
class Warehouse:
    path: Path
    env: dict[str, str]
    landing: Path

    @property
    def restricted(self) -> Path:
        """The restricted store of this warehouse (originals of personal data, docs/privacy.md)."""
        return Path(self.env["LAFA_RESTRICTED_DUCKDB_PATH"])

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=True)

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with self.connect() as con:
            return con.execute(sql, params or []).fetchall()

    def lafa(self, *args: str) -> subprocess.CompletedProcess[str]:
        return lafa_cli(self.env, *args)

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        dbt = str(Path(sys.executable).with_name("dbt"))
        done = subprocess.run([dbt, *args], cwd=REPO, env=self.env, capture_output=True, text=True)
        if check and done.returncode != 0:
            pytest.fail(f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}")
        return done


def isolated_warehouse(tmp: Path) -> Warehouse:
    """A warehouse file (and its restricted store), dbt target/log folders and a landing folder of its own under
    `tmp`; the temporary pseudonymisation key of this test session."""
    env = dict(os.environ)
    env.update(
        LAFA_DUCKDB_PATH=str(tmp / "lafa.duckdb"),
        LAFA_RESTRICTED_DUCKDB_PATH=str(tmp / "lafa_restricted.duckdb"),
        LAFA_PII_KEY_FILE=str(PII_KEY_FILE),
        DBT_TARGET_PATH=str(tmp / "target"),
        DBT_LOG_PATH=str(tmp / "logs"),
        DBT_PROFILES_DIR=str(REPO),
        DO_NOT_TRACK="1",
    )
    env.pop("LAFA_DBT_TARGET", None)
    return Warehouse(tmp / "lafa.duckdb", env, tmp / "landing")


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    yield isolated_warehouse(tmp_path)


@pytest.fixture(scope="session")
def default_fleet(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """What `make demo` builds: the README's default fleet (`lafa generate` with no options: 25 vehicles x 90 days
    from 2026-06-01, seed 42), loaded, then `dbt build` of every model, data test and unit test (any failure fails
    the fixture). Shared by the end-to-end and the accuracy tests; tests only read it."""
    wh = isolated_warehouse(tmp_path_factory.mktemp("default_fleet"))
    generated = wh.lafa("generate", "--out", str(wh.landing))
    assert generated.returncode == 0, generated.stderr
    loaded = wh.lafa("load", str(wh.landing))
    assert loaded.returncode == 0, loaded.stderr
    wh.dbt("build")
    return wh
