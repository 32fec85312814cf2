package cli

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/ckadlab/ckadlab/session"
)

// TestMain makes --cluster auto choose the offline cluster: unit tests
// never create a kind cluster, even where Docker runs (the e2e suite asks
// for kind explicitly). Tests of the choice itself replace DockerCheck.
func TestMain(m *testing.M) {
	session.DockerCheck = func(context.Context) error {
		return errors.New("unit tests use the offline cluster unless they ask for kind")
	}
	os.Exit(m.Run())
}
