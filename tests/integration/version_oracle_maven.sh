#!/usr/bin/env bash
# Property test: `kensa version compare Maven` against maven-artifact 3.x ComparableVersion, via java
# on 4000 pairs of real versions from the shared data (see oracles/lib.sh).
source "$(dirname "$0")/oracles/lib.sh"
if ! test -r /usr/share/maven/lib/maven-artifact-3.x.jar >/dev/null 2>&1; then
  bad "maven: the reference tool is missing (make deps installs it)"
else
  oracle_check maven "Maven" maven 4000 20261122 -- java -cp /usr/share/maven/lib/maven-artifact-3.x.jar "$ORACLES/MavenOracle.java"
fi
finish
