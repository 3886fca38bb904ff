#!/bin/sh
# Installs the Debian bookworm packages keel needs to build, test and
# benchmark, and only those that are missing. Safe to run repeatedly.
set -eu

PACKAGES="
build-essential pkg-config meson ninja-build clang libclang-rt-14-dev clang-format
libh2o-evloop-dev libssl-dev openssl
libjansson-dev libcurl4-openssl-dev pebble
libphp8.2-embed php8.2-dev php8.2-opcache php8.2-cli libxml2-dev
libcmocka-dev
libjansson-dev libcurl4-openssl-dev
python3-pytest python3-requests curl
chromium chromium-driver python3-selenium
python3-pytest python3-requests python3-yaml curl
systemd
nginx php8.2-fpm wrk
testssl.sh nghttp2-client
php-symfony-framework-bundle php-symfony-twig-bundle php-symfony-yaml
php-symfony-runtime php-symfony-security-bundle php-symfony-dotenv php-laravel-framework php8.2-sqlite3
mediawiki phpmyadmin php8.2-mbstring php8.2-xml php8.2-intl
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
