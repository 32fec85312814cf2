// Package content holds ckadlab's built-in labs: one TOML file per lab,
// embedded in the binary. The lab format is documented in README.md next
// to the files; package labs loads and validates them (labs.LoadFSAs(FS, ".", "content")).
//
// Every lab is declarative: its setup, reference solution and wrong answers
// are Kubernetes manifests, its checks are field assertions and
// connectivity probes. Nothing in a lab file is ever executed.
package content

import "embed"

// FS holds the built-in lab files (*.toml) at its root.
//
//go:embed *.toml
var FS embed.FS
