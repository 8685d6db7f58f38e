//go:build tools

// Package tools makes `go mod tidy` keep the requirements of the one package this wrapper builds.
package tools

import _ "github.com/docker/compose/v2/cmd"
