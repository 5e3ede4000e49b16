#!/usr/bin/env bash
# Make sure the machine's Chromium (/usr/bin/chromium) is there for the browser tests
# (tests/browser, Playwright drives it; `playwright install` is never needed). Idempotent.
# Under CI=true a browser that cannot be installed fails the run; elsewhere the tests skip.
set -u

[ -x /usr/bin/chromium ] && exit 0
echo "Chromium is not installed; installing it (apt-get install chromium)" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo -n"
if command -v apt-get >/dev/null \
  && $SUDO apt-get update -qq \
  && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
  && [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "Chromium could not be installed: the browser tests will not run" >&2
if [ "${CI:-}" = "true" ]; then
  echo "the browser is required under CI=true: failing" >&2
  exit 1
fi
exit 0
