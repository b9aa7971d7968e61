module example.com/kensa-govulncheck-fixture

go 1.19

require (
	golang.org/x/crypto v0.4.0
	golang.org/x/net v0.7.0
	golang.org/x/text v0.7.0
)
