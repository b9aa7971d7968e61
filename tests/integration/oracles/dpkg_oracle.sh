#!/usr/bin/env bash
# Oracle for `kensa version compare Debian`: reads "A<TAB>B" lines and prints
# how `dpkg --compare-versions` orders them, "E" when dpkg rejects a version
# (exit 2). dpkg has no batch mode: one or two dpkg runs per pair.
while IFS=$'\t' read -r a b; do
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null; rc=$?
  if [ $rc -eq 0 ]; then echo '<'; continue; fi
  if [ $rc -ne 1 ]; then echo 'E'; continue; fi
  if dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo '='; else echo '>'; fi
done
