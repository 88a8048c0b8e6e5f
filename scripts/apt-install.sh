# Shared by scripts/ensure-*.sh (sourced, not run): install Debian packages as root or through
# sudo, quietly, showing apt's output only when something fails.
#
#   apt_install <script name> "<what is missing>" package...
#
# Returns 1 with a message on stderr when it cannot (no root and no sudo, no apt-get, apt failed).
# On success apt's output stays in "$APT_LOG" for the caller to show if its own check still fails;
# the caller removes it.

apt_install() {
    local name=$1 missing=$2
    shift 2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "$name: missing $missing; run as root or install sudo, or run:" >&2
            echo "  apt-get update && apt-get install -y --no-install-recommends $*" >&2
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "$name: missing $missing and apt-get is not available; install $* by hand" >&2
        return 1
    fi
    APT_LOG=$(mktemp)
    if ! {
        "${sudo[@]}" apt-get update -q &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends "$@"
    } >"$APT_LOG" 2>&1; then
        cat "$APT_LOG" >&2
        echo "$name: apt-get failed (see output above)" >&2
        return 1
    fi
}
