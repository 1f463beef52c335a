#!/bin/sh
# A non-interactive EDITOR for `kubectl edit` in tests: replaces the first
# occurrence of $EDIT_FROM with $EDIT_TO on each line of the file kubectl opens.
set -eu
sed -i "s|${EDIT_FROM}|${EDIT_TO}|" "$1"
