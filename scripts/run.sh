#!/usr/bin/env bash
# The one entry point of the README's quickstart.
#
#   bash scripts/run.sh audit [ARGS...]   the main job: audit the bundled paper
#   bash scripts/run.sh test  [ARGS...]   the whole test suite, live R included
#   bash scripts/run.sh crossval ARGS...  any crossval command
#
# Works on a fresh Debian 12 machine with Python 3.11, as root, with no R:
# it installs what is missing (Debian's r-base-core and r-cran-survival for the
# tests, a virtual environment in .venv with crossval and its extras) and then
# runs the command. Re-running is cheap: each step is skipped when done.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
mode=${1:-}
shift || true

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        echo "crossval: need root to install Debian packages: $*" >&2
        echo "  run: apt-get update && apt-get install -y $*" >&2
        exit 2
    fi
    if [ -z "${_apt_updated:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        _apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

ensure_r() {
    local need=()
    command -v Rscript >/dev/null 2>&1 || need+=(r-base-core)
    if ! Rscript -e 'quit(status = !requireNamespace("survival", quietly = TRUE))' \
        >/dev/null 2>&1; then
        need+=(r-cran-survival)
    fi
    # rpy2 compiles a small extension against R's headers.
    command -v gcc >/dev/null 2>&1 || need+=(gcc)
    if [ ${#need[@]} -gt 0 ]; then
        echo "crossval: installing ${need[*]}" >&2
        apt_install r-base-core r-cran-survival "${need[@]}"
    fi
}

ensure_venv() {
    local py=${PYTHON:-python3}
    if [ ! -x .venv/bin/python ]; then
        if ! "$py" -m venv .venv >/dev/null 2>&1; then
            rm -rf .venv
            apt_install python3-venv
            "$py" -m venv .venv
        fi
    fi
    local extras=$1 stamp=".venv/.crossval-installed-$1"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/python -m pip install -q --upgrade pip >&2
        .venv/bin/python -m pip install -q -e ".[$extras]" >&2
        touch "$stamp"
    fi
}

case "$mode" in
    audit)
        ensure_venv dev
        exec .venv/bin/crossval audit "$@"
        ;;
    test)
        ensure_r
        ensure_venv dev,r
        exec .venv/bin/python -m pytest "$@"
        ;;
    crossval)
        ensure_venv dev
        exec .venv/bin/crossval "$@"
        ;;
    *)
        echo "usage: bash scripts/run.sh {audit|test|crossval} [ARGS...]" >&2
        exit 2
        ;;
esac
