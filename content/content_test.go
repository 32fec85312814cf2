package content_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/session"
)

// TestEmbeddedLabsLoad checks that every embedded lab file decodes and
// validates, that lab ids match their file names, and that every domain
// has labs. Grading each lab (solution and wrong answers) is the content
// test of package checker.
func TestEmbeddedLabsLoad(t *testing.T) {
	files, err := fs.Glob(content.FS, "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatalf("loading the embedded labs: %v", err)
	}
	if len(all) != len(files) {
		t.Fatalf("%d lab files but %d labs loaded", len(files), len(all))
	}
	if len(all) < 14 {
		t.Errorf("%d built-in labs, want at least 14", len(all))
	}
	perDomain := map[labs.Domain]int{}
	for _, l := range all {
		perDomain[l.Domain]++
		if want := "content/" + l.ID + ".toml"; l.Source != want {
			t.Errorf("lab %s is in %s, want %s", l.ID, l.Source, want)
		}
		if prefix := domainPrefix[l.Domain]; !strings.HasPrefix(l.ID, prefix) {
			t.Errorf("lab %s (domain %s): id should start with %q", l.ID, l.Domain, prefix)
		}
	}
	for _, d := range labs.Domains {
		if perDomain[d] < 3 {
			t.Errorf("domain %s has %d labs, want at least 3", d, perDomain[d])
		}
	}
}

var domainPrefix = map[labs.Domain]string{
	labs.Services:      "svc-",
	labs.Ingress:       "ing-",
	labs.NetworkPolicy: "np-",
}

// courseImages are the only images the built-in labs may run: pinned, and
// pulled once by the course's set-up.
var courseImages = map[string]bool{
	"registry.k8s.io/e2e-test-images/agnhost:2.66.1": true,
	"nginx:1.27":   true,
	"busybox:1.37": true,
}

// decode adapts the manifest reader to the lab linter (the CLI has the
// same adapter for `ckadlab lint`).
func decode(file, yaml string) ([]labs.ObjectInfo, error) {
	objs, err := manifest.Decode(file, []byte(yaml))
	if err != nil {
		return nil, err
	}
	out := make([]labs.ObjectInfo, 0, len(objs))
	for _, o := range objs {
		out = append(out, labs.ObjectInfo{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Images: images(o), Line: o.Origin.Line})
	}
	return out, nil
}

func images(o manifest.Object) []string {
	var spec *corev1.PodSpec
	switch x := o.Obj.(type) {
	case *corev1.Pod:
		spec = &x.Spec
	case *appsv1.Deployment:
		spec = &x.Spec.Template.Spec
	default:
		return nil
	}
	var out []string
	for _, c := range append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...) {
		out = append(out, c.Image)
	}
	return out
}

// TestEmbeddedLabsLint runs the lab linter over the built-in labs: no
// errors and no warnings (cross-references, namespaces, pinned images),
// and only the course's images.
func TestEmbeddedLabsLint(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range labs.Lint(all, decode) {
		t.Error(d)
	}
	for _, l := range all {
		texts := map[string]string{"setup.manifests": l.Setup.Manifests, "solution.manifests": l.Solution.Manifests}
		for i, w := range l.Wrong {
			texts[fmt.Sprintf("wrong[%d].manifests", i)] = w.Manifests
		}
		for key, text := range texts {
			infos, err := decode(l.Source+": "+key, text)
			if err != nil {
				continue // reported by Lint
			}
			for _, o := range infos {
				for _, img := range o.Images {
					if !courseImages[img] {
						t.Errorf("%s: %s: %s %s runs image %q, not one of the course's images", l.Source, key, o.Kind, o.Name, img)
					}
				}
			}
		}
	}
}

// TestReadmeExample keeps the documentation honest: the complete example
// in README.md (its first ```toml block) is a valid lab that lints clean
// and grades as it claims on the offline cluster (solution 100%, the wrong
// answer fails exactly the check it names).
func TestReadmeExample(t *testing.T) {
	src, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	lab := readmeExample(t, string(src))
	for _, d := range labs.Lint([]*labs.Lab{lab}, decode) {
		t.Error(d)
	}
	for _, p := range checker.Verify(context.Background(), lab, session.OfflineOpener) {
		t.Error(p)
	}
	mr, err := checker.VerifyMutants(context.Background(), lab, session.OfflineOpener, session.OfflineMutationOptions)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mr.Problems() {
		t.Error(p)
	}
	if mr.Killed == 0 {
		t.Error("no mutant of the example was killed")
	}
}

// readmeExample parses the first ```toml block of the README.
func readmeExample(t *testing.T, readme string) *labs.Lab {
	t.Helper()
	_, rest, ok := strings.Cut(readme, "```toml\n")
	if !ok {
		t.Fatal("README.md has no ```toml block")
	}
	block, _, ok := strings.Cut(rest, "\n```\n")
	if !ok {
		t.Fatal("README.md: the ```toml block is not closed")
	}
	lab, errs := labs.Parse("README.md example", []byte(block+"\n"))
	if err := errs.Err(); err != nil {
		t.Fatalf("the README example is not a valid lab: %v", err)
	}
	return lab
}

// TestLabsOwnTheirNamespaces: no two built-in labs use the same namespace
// (default aside, where only wrong answers put objects): a live exam sets
// several labs up on one cluster and resets each lab's namespaces before
// applying its setup, so a shared namespace would wipe another task's
// setup (np-test-network-policy and svc-externalname both used legacy).
func TestLabsOwnTheirNamespaces(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	decode := func(name, text string) ([]labs.ObjectInfo, error) {
		objs, err := manifest.Decode(name, []byte(text))
		if err != nil {
			return nil, err
		}
		out := make([]labs.ObjectInfo, len(objs))
		for i, o := range objs {
			out[i] = labs.ObjectInfo{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
		}
		return out, nil
	}
	for _, d := range labs.NamespaceClashes(nil, all, decode) {
		t.Errorf("%s: %s", d.Lab, d.Message)
	}
}
