// Oracle for `kensa version compare Go`: reads "A<TAB>B" lines and prints
// how golang.org/x/mod/semver (Debian's golang-golang-x-mod-dev, built in
// GOPATH mode) orders them, "E" when either is invalid. OSV's Go records
// omit the "v" that x/mod/semver requires, so a missing one is added, as
// Kensa and the Go vulnerability tooling do.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func canon(v string) string {
	if strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		line := in.Text()
		if line == "" {
			continue
		}
		a, b, ok := strings.Cut(line, "\t")
		if !ok || !semver.IsValid(canon(a)) || !semver.IsValid(canon(b)) {
			fmt.Fprintln(out, "E")
			continue
		}
		switch c := semver.Compare(canon(a), canon(b)); {
		case c < 0:
			fmt.Fprintln(out, "<")
		case c > 0:
			fmt.Fprintln(out, ">")
		default:
			fmt.Fprintln(out, "=")
		}
	}
}
