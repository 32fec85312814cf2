package inspect

import (
	"testing"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

// labWorld is a built-in lab's offline cluster: its setup and its
// reference solution.
func labWorld(t *testing.T, id string) (*labs.Lab, *offline.Cluster) {
	t.Helper()
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := labs.NewCatalog(all)
	if err != nil {
		t.Fatal(err)
	}
	l, err := cat.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := checker.SetupObjects(l)
	if err != nil {
		t.Fatal(err)
	}
	sol, err := checker.SolutionObjects(l)
	if err != nil {
		t.Fatal(err)
	}
	c, err := offline.Build(setup, sol, l.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	return l, c
}
