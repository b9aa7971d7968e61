#!/usr/bin/env bash
# Property test: `kensa version compare Packagist` against php + /usr/share/php/Composer/Semver (VersionParser::normalize + Comparator)
# on 4000 pairs of real versions from the shared data (see oracles/lib.sh).
source "$(dirname "$0")/oracles/lib.sh"
if ! test -r /usr/share/php/Composer/Semver/autoload.php >/dev/null 2>&1; then
  bad "composer: the reference tool is missing (make deps installs it)"
else
  oracle_check composer "Packagist" composer 4000 20261122 -- php "$ORACLES/composer_oracle.php"
fi
finish
