<?php
// Oracle for `kensa version compare Packagist`: reads "A<TAB>B" lines and
// prints, per line, how Composer orders them: both are normalised with
// composer/semver's VersionParser, then compared with Comparator (which is
// version_compare() plus the dev-branch rules). "E" when normalize() rejects
// a version, "?" when Composer orders neither way (two different branches).
require '/usr/share/php/Composer/Semver/autoload.php';
use Composer\Semver\Comparator;
use Composer\Semver\VersionParser;

$p = new VersionParser();
while (($line = fgets(STDIN)) !== false) {
    $line = rtrim($line, "\n");
    $parts = explode("\t", $line, 2);
    if (count($parts) != 2) { echo "E\n"; continue; }
    try {
        $a = $p->normalize($parts[0]);
        $b = $p->normalize($parts[1]);
    } catch (Exception $e) {
        echo "E\n";
        continue;
    }
    if (Comparator::lessThan($a, $b)) echo "<\n";
    elseif (Comparator::equalTo($a, $b)) echo "=\n";
    elseif (Comparator::greaterThan($a, $b)) echo ">\n";
    else echo "?\n";
}
