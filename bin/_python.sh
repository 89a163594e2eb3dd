# shellcheck shell=bash
# Sourced (not run) by bin/run, bin/test and .ci/run: finds a Python 3.12+ interpreter, creates .venv
# with it, and installs the project into .venv when pyproject.toml has changed since the last install.

NTM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NTM_VENV="$NTM_ROOT/.venv"
NTM_PYTHON="$NTM_VENV/bin/python"
# What the last successful install used: the hash of pyproject.toml and the extras ("base" or "dev").
NTM_STAMP="$NTM_VENV/.ntm-install-stamp"

ntm_say() {
    printf '==> %s\n' "$*"
}

ntm_fail() {
    printf 'ERROR: %s\n' "$*" >&2
    return 1
}

# Print the real path of interpreter $1 if it runs and is Python 3.12 or newer; fail otherwise.
# Running it (not just finding it) matters: pyenv puts shims such as python3.12 on PATH that fail
# when that version is not selected.
ntm_python_if_recent() {
    "$1" -c 'import sys; sys.version_info >= (3, 12) or sys.exit(1); print(sys.executable)' 2>/dev/null
}

# Print the path of the first Python 3.12+ found: python3.13, python3.12, python3 on PATH, then the
# versions pyenv has installed (newest first), even when pyenv is not on PATH.
ntm_find_python() {
    local candidate found pyenv_root
    for candidate in python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && found="$(ntm_python_if_recent "$candidate")"; then
            printf '%s\n' "$found"
            return 0
        fi
    done
    pyenv_root="$(pyenv root 2>/dev/null || printf '%s' "${PYENV_ROOT:-$HOME/.pyenv}")"
    while IFS= read -r candidate; do
        if [ -x "$candidate" ] && found="$(ntm_python_if_recent "$candidate")"; then
            printf '%s\n' "$found"
            return 0
        fi
    done < <(printf '%s\n' "$pyenv_root"/versions/3.1[23]*/bin/python3 | sort -rV)
    return 1
}

# Create .venv when it is missing; re-create it when its Python is older than 3.12 or broken.
ntm_ensure_venv() {
    local python
    if [ -x "$NTM_PYTHON" ] && ntm_python_if_recent "$NTM_PYTHON" >/dev/null; then
        return 0
    fi
    if ! python="$(ntm_find_python)"; then
        ntm_fail "Python 3.12 or newer is needed and none was found.
  Looked for: python3.13, python3.12 and python3 on PATH, and pyenv's versions 3.12/3.13 under
  ${PYENV_ROOT:-\$(pyenv root)}/versions/. Install Python 3.12+ (e.g. 'pyenv install 3.12', or your
  system's python3.12 package) and run this script again."
        return 1
    fi
    if [ -e "$NTM_VENV" ]; then
        ntm_say "Re-creating .venv: its Python is missing, broken or older than 3.12"
        rm -rf "$NTM_VENV"
    fi
    ntm_say "Creating .venv with $python ($("$python" --version 2>&1))"
    if ! "$python" -m venv "$NTM_VENV"; then
        rm -rf "$NTM_VENV"
        ntm_fail "Could not create .venv with $python. On Debian/Ubuntu install the venv module
  (apt-get install python3-venv, or python3.12-venv) and run this script again."
        return 1
    fi
}

ntm_pyproject_hash() {
    "$NTM_PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
        "$NTM_ROOT/pyproject.toml"
}

# Install the project's dependencies into .venv: ntm_install base | dev. Skipped when pyproject.toml
# is unchanged since the last install that covered these extras ("dev" covers "base").
ntm_install() {
    local extras="$1" target hash stamp_hash="" stamp_extras=""
    hash="$(ntm_pyproject_hash)"
    if [ -f "$NTM_STAMP" ]; then
        { read -r stamp_hash && read -r stamp_extras; } <"$NTM_STAMP" || true
    fi
    if [ "$stamp_hash" = "$hash" ] && { [ "$extras" = base ] || [ "$stamp_extras" = dev ]; }; then
        return 0
    fi
    target="$NTM_ROOT"
    [ "$extras" = dev ] && target="$NTM_ROOT[dev]"
    ntm_say "Installing the project's dependencies into .venv (first install, or pyproject.toml changed)"
    if ! "$NTM_PYTHON" -m pip install --quiet --disable-pip-version-check "$target"; then
        ntm_fail "Installing the dependencies from pyproject.toml failed (see pip's message above)."
        return 1
    fi
    printf '%s\n%s\n' "$hash" "$extras" >"$NTM_STAMP"
}
