package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

func main() {
	t, _ := language.Parse(os.Args[0])
	doc, err := html.Parse(strings.NewReader("<p>hi</p>"))
	_, perr := ssh.ParsePublicKey([]byte{})
	fmt.Println(t, doc != nil, err, perr)
}
