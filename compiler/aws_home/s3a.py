"""The S3A connector's jars: hadoop-aws and the AWS SDK bundle, fetched once into a cache.

Glue 5.1 reads and writes S3 through S3A. pyspark's wheel has the Hadoop 3.3.4 client but not
hadoop-aws; Maven Central may be out of reach, PyPI is not: `sagemaker-pyspark` ships
hadoop-aws 3.3.1 and the AWS SDK bundle 1.11.901 it was built against. The minor-version skew
(3.3.1 against the 3.3.4 client) is what the AWS home's tests run with. The jars are checked
against pinned SHA-256 digests and kept outside the repository (`PIPEGEN_CACHE`, default
`~/.cache/pipegen`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DISTRIBUTION = "sagemaker-pyspark==1.4.5"
MEMBER_FOLDER = "sagemaker_pyspark-1.4.5/deps/jars/"
JARS = {
    "hadoop-aws-3.3.1.jar": "6be50ad8a8b445d2802381b085b2a3ede5c29d353450a6a21f16b2fefa962b6e",
    "aws-java-sdk-bundle-1.11.901.jar": (
        "b87175b32a16544cc1b37cf40390eb375833e62bed67f8ce6cde4b7ad6429ead"
    ),
}


class JarsUnavailable(Exception):
    """The jars could not be fetched or did not match their digests."""


def cache_folder() -> Path:
    root = os.environ.get("PIPEGEN_CACHE") or Path.home() / ".cache" / "pipegen"
    return Path(root) / "s3a"


def s3a_jars(echo=print) -> list[Path]:
    """The two jars, fetched (about 180 MB, once) when the cache lacks them."""
    folder = cache_folder()
    paths = [folder / name for name in JARS]
    if all(_intact(p) for p in paths):
        return paths
    echo(f"fetching the S3A connector ({DISTRIBUTION} from PyPI) into {folder} ...")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        archive = _download(Path(scratch))
        _extract(archive, folder)
    broken = [p.name for p in paths if not _intact(p)]
    if broken:
        raise JarsUnavailable(f"{', '.join(broken)} did not match the pinned SHA-256")
    return paths


def _intact(path: Path) -> bool:
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == JARS[path.name]


def _download(scratch: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary"]
    command += [":all:", "-d", str(scratch), DISTRIBUTION]
    done = subprocess.run(command, capture_output=True, text=True)
    archives = list(scratch.glob("sagemaker_pyspark-*.tar.gz"))
    if not archives:
        raise JarsUnavailable(f"pip could not download {DISTRIBUTION}: {done.stderr.strip()}")
    return archives[0]


def _extract(archive: Path, folder: Path) -> None:
    with tarfile.open(archive) as tar:
        for name in JARS:
            member = tar.extractfile(MEMBER_FOLDER + name)
            if member is None:
                raise JarsUnavailable(f"{archive.name} has no {name}")
            temporary = folder / f".{name}.part"
            with temporary.open("wb") as handle:
                shutil.copyfileobj(member, handle)
            temporary.replace(folder / name)
