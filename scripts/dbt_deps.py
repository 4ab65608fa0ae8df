"""Install the dbt packages of packages.yml into dbt_packages/: `dbt deps` from the dbt Hub, else a local mirror.

Machines that cannot reach the dbt Hub (this project's CI) install the same pinned versions from a folder of Hub
tarballs named `<org>-<package>-<version>.tar.gz`, each unpacking to one folder named after the package: the folder
is $LAFA_DBT_MIRROR, default `../shared/dbt-mirror` beside the repository. A package already installed at its pinned
version is left alone, so running this again is a no-op.

    python scripts/dbt_deps.py          # install what is missing
    python scripts/dbt_deps.py --check  # exit 1 when a package is missing or at another version
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGES_DIR = ROOT / "dbt_packages"
RECORD = PACKAGES_DIR / ".pins.yml"
DEFAULT_MIRROR = ROOT.parent / "shared" / "dbt-mirror"


def pinned_packages() -> list[tuple[str, str, str]]:
    """(hub org, package name, version) of every package in packages.yml."""
    spec = yaml.safe_load((ROOT / "packages.yml").read_text())
    pins = []
    for entry in spec.get("packages") or []:
        org, name = entry["package"].split("/")
        pins.append((org, name, str(entry["version"])))
    return pins


def recorded() -> list[list[str]]:
    """The pins installed last (a package's own dbt_project.yml does not carry its Hub version)."""
    return yaml.safe_load(RECORD.read_text()) if RECORD.exists() else []


def missing(pins: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    done = recorded()
    return [pin for pin in pins if list(pin) not in done or not (PACKAGES_DIR / pin[1] / "dbt_project.yml").exists()]


def record(pins: list[tuple[str, str, str]]) -> None:
    RECORD.write_text(yaml.safe_dump([list(pin) for pin in pins]))


def dbt_deps() -> bool:
    """Run `dbt deps`; False when it fails (typically: the Hub is unreachable)."""
    dbt = Path(sys.executable).with_name("dbt")
    try:
        result = subprocess.run(
            [str(dbt), "deps", "--project-dir", str(ROOT), "--profiles-dir", str(ROOT)],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def install_from_mirror(mirror: Path, pins: list[tuple[str, str, str]]) -> None:
    for org, name, version in pins:
        tarball = mirror / f"{org}-{name}-{version}.tar.gz"
        if not tarball.exists():
            raise SystemExit(
                f"dbt_deps: the dbt Hub is unreachable and {tarball} does not exist; set LAFA_DBT_MIRROR to a folder "
                f"holding {tarball.name} (docs/development.md, 'dbt packages')"
            )
        PACKAGES_DIR.mkdir(exist_ok=True)
        # unpack beside the target and rename into place: a crash leaves no half-unpacked package
        with tempfile.TemporaryDirectory(dir=PACKAGES_DIR) as staging:
            with tarfile.open(tarball) as archive:
                archive.extractall(staging, filter="data")
            unpacked = Path(staging) / name
            if not (unpacked / "dbt_project.yml").exists():
                raise SystemExit(f"dbt_deps: {tarball.name} does not unpack to a dbt package folder {name}/")
            target = PACKAGES_DIR / name
            if target.exists():
                shutil.rmtree(target)
            unpacked.rename(target)
        print(f"dbt_deps: {name} {version} installed from {tarball}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check the installed versions")
    args = parser.parse_args()
    pins = pinned_packages()
    todo = missing(pins)
    if args.check or not todo:
        for _, name, version in todo:
            print(f"dbt_deps: {name} {version} is not installed")
        return 1 if todo else 0
    if dbt_deps():
        print("dbt_deps: installed from the dbt Hub")
    else:
        mirror = Path(os.environ.get("LAFA_DBT_MIRROR") or DEFAULT_MIRROR)
        print(f"dbt_deps: the dbt Hub is unreachable; installing from the mirror {mirror}")
        install_from_mirror(mirror, todo)
    record(pins)
    return 0


if __name__ == "__main__":
    sys.exit(main())
