#!/usr/bin/env bash
# Runs "$@" with gnome-keyring's Secret Service unlocked in the current D-Bus session.
# The keyring password only guards this throwaway test keyring.
set -euo pipefail
export XDG_DATA_HOME="${XDG_DATA_HOME:-$(mktemp -d)}"
eval "$(printf 'keybridge-test' | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
export GNOME_KEYRING_CONTROL
exec "$@"
