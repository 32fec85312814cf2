package e2e

import (
	"context"
	"os"
	"testing"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// edgeLabs are fixtures in testdata that pin down corners of the data
// path (which source address NetworkPolicy judges, ...) where the
// offline model must agree with a real cluster.
func edgeLabs(t *testing.T) []*labs.Lab {
	t.Helper()
	all, err := labs.LoadFSAs(os.DirFS("testdata"), ".", "e2e/testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no lab in e2e/testdata")
	}
	return all
}

// TestEdgeLabsOffline runs without Docker: the fixtures' contracts hold
// in the offline model.
func TestEdgeLabsOffline(t *testing.T) {
	for _, l := range edgeLabs(t) {
		for _, p := range checker.Verify(context.Background(), l, session.OfflineOpener) {
			t.Errorf("%s: %s: %s", p.Lab, p.Answer, p.Message)
		}
	}
}

// The fixtures are graded live by TestLabs, side by side with the
// built-in labs.
