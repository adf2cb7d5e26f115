#!/usr/bin/env bash
# Install the HookFlo bundle for the current user, or remove it again.
#
#   packaging/install-linux.sh [BUNDLE_DIR]      install (default: dist/hookflo)
#   packaging/install-linux.sh --uninstall       remove the program and its menu entry
#
# Installs the program to ~/.local/opt/hookflo, links ~/.local/bin/hookflo to
# it, puts the menu entry and icons under ~/.local/share (or $XDG_DATA_HOME)
# and makes HookFlo open hookflo:// links (a digest's links to events).
# Uninstalling leaves your settings, events and keyring entries alone; the
# README says how to remove those.
set -euo pipefail

DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
OPT_DIR=$HOME/.local/opt/hookflo
BIN_LINK=$HOME/.local/bin/hookflo
DESKTOP_FILE=$DATA_HOME/applications/hookflo.desktop
MIMEAPPS_LIST=${XDG_CONFIG_HOME:-$HOME/.config}/mimeapps.list
URL_TYPE=x-scheme-handler/hookflo
ICON_SIZES=(16 22 24 32 48 64 128 256 512)

say() { printf '%s\n' "$*"; }
die() { printf 'install-linux.sh: %s\n' "$*" >&2; exit 1; }

# Quote a path for a desktop entry's Exec key (Desktop Entry Specification).
exec_quote() {
    local value=$1
    case $value in
    *[[:space:]\"\'\\\>\<~\|\&\;\$\*\?#\(\)\`]*)
        value=${value//\\/\\\\}
        value=${value//\"/\\\"}
        value=${value//\`/\\\`}
        value=${value//\$/\\\$}
        value="\"$value\""
        ;;
    esac
    value=${value//%/%%}
    printf '%s' "${value//\\/\\\\}"
}

# Make HookFlo the handler of hookflo:// links, where xdg-mime is installed.
register_links() {
    if command -v xdg-mime >/dev/null 2>&1; then
        xdg-mime default hookflo.desktop "$URL_TYPE" \
            || say "Could not make HookFlo open hookflo:// links (xdg-mime failed)."
    else
        say "xdg-mime not found: hookflo:// links in digests will not open HookFlo."
    fi
}

# xdg-mime cannot unset a default: drop HookFlo's line from mimeapps.list.
unregister_links() {
    [ -f "$MIMEAPPS_LIST" ] || return 0
    local kept
    kept=$(grep -v -x -F "$URL_TYPE=hookflo.desktop;" "$MIMEAPPS_LIST" \
        | grep -v -x -F "$URL_TYPE=hookflo.desktop" || true)
    if [ -n "$kept" ]; then
        printf '%s\n' "$kept" >"$MIMEAPPS_LIST"
    else
        : >"$MIMEAPPS_LIST"
    fi
}

uninstall() {
    unregister_links
    rm -rf -- "$OPT_DIR"
    [ -L "$BIN_LINK" ] && rm -f -- "$BIN_LINK"
    rm -f -- "$DESKTOP_FILE" "$DATA_HOME/icons/hicolor/scalable/apps/hookflo.svg"
    local size
    for size in "${ICON_SIZES[@]}"; do
        rm -f -- "$DATA_HOME/icons/hicolor/${size}x${size}/apps/hookflo.png"
    done
    command -v update-desktop-database >/dev/null 2>&1 \
        && update-desktop-database -q "$(dirname "$DESKTOP_FILE")" || true
    say "Removed HookFlo from $OPT_DIR and its menu entry."
}

install() {
    local bundle=$1 share
    [ -x "$bundle/hookflo" ] || die "no bundle at $bundle (build it with ./dev bundle)"
    share="$bundle/_internal/share"
    [ -f "$share/applications/hookflo.desktop" ] || die "$bundle has no menu entry"

    rm -rf -- "$OPT_DIR.new"
    mkdir -p -- "$(dirname "$OPT_DIR")"
    cp -a -- "$bundle" "$OPT_DIR.new"
    rm -rf -- "$OPT_DIR"
    mv -- "$OPT_DIR.new" "$OPT_DIR"
    mkdir -p -- "$(dirname "$BIN_LINK")"
    ln -sfn -- "$OPT_DIR/hookflo" "$BIN_LINK"

    local size dir
    for size in "${ICON_SIZES[@]}"; do
        dir="$DATA_HOME/icons/hicolor/${size}x${size}/apps"
        mkdir -p -- "$dir"
        cp -- "$share/icons/hookflo-$size.png" "$dir/hookflo.png"
    done
    mkdir -p -- "$DATA_HOME/icons/hicolor/scalable/apps" "$(dirname "$DESKTOP_FILE")"
    cp -- "$share/icons/hookflo.svg" "$DATA_HOME/icons/hicolor/scalable/apps/hookflo.svg"

    local exec_value
    exec_value=$(exec_quote "$OPT_DIR/hookflo")
    local line
    while IFS= read -r line; do
        case $line in
        Exec=hookflo*) printf 'Exec=%s%s\n' "$exec_value" "${line#Exec=hookflo}" ;;
        *) printf '%s\n' "$line" ;;
        esac
    done <"$share/applications/hookflo.desktop" >"$DESKTOP_FILE"
    command -v update-desktop-database >/dev/null 2>&1 \
        && update-desktop-database -q "$(dirname "$DESKTOP_FILE")" || true
    register_links
    say "Installed HookFlo in $OPT_DIR; start it from the menu or run $BIN_LINK."
}

case ${1:-} in
--uninstall) uninstall ;;
-h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' ;;
*) install "${1:-dist/hookflo}" ;;
esac
