package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/classroom"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// classReadTimeout bounds reading the class from its cluster.
const classReadTimeout = 20 * time.Second

// classMode is the learner's class when the cluster in use is a class
// learner's context (their kubeconfig from `ckadlab class up`): nil
// otherwise. Only the kubeconfig file decides whether to ask the
// cluster; the answer is read once per process.
func (a *app) classMode() (*session.Class, error) {
	if a.classRead {
		return a.class, a.classErr
	}
	a.classRead = true
	v := strings.TrimSpace(a.clusterF)
	var name string
	switch {
	case v == "" || v == "auto":
		n, _, ok := session.ClassContext("")
		if !ok {
			return nil, nil
		}
		name = n
	case strings.HasPrefix(v, session.ContextPrefix):
		name = strings.TrimSpace(strings.TrimPrefix(v, session.ContextPrefix))
		if _, ok := session.IsClassContext("", name); !ok {
			return nil, nil
		}
	default:
		return nil, nil
	}
	m := &session.Manager{Cluster: session.ContextTarget(name)}
	ctx, cancel := context.WithTimeout(context.Background(), classReadTimeout)
	defer cancel()
	a.class, a.classErr = m.ReadClass(ctx)
	if a.classErr != nil {
		a.classErr = fmt.Errorf("the class cluster (context %s): %w", name, a.classErr)
	}
	return a.class, a.classErr
}

// classCatalog is the learner's catalog in class mode: the built-in labs,
// --labs packs and the pack the instructor published, those the class
// runs mapped into the learner's namespaces (the others in a.excluded).
func (a *app) classCatalog(k *session.Class, all [][]*labs.Lab, builtin []*labs.Lab) (*labs.Catalog, error) {
	if len(k.Pack) > 0 {
		dir, err := os.MkdirTemp("", "ckadlab-class-pack-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		if _, err := classroom.UnpackPack(k.Pack, dir); err != nil {
			return nil, fmt.Errorf("the lab pack of class %s: %w", k.Class.Name, err)
		}
		pc, err := checkPack(context.Background(), dir, builtin, true, 1)
		if err != nil {
			return nil, fmt.Errorf("the lab pack of class %s: %w", k.Class.Name, err)
		}
		if err := pc.refusal("the pack of class " + k.Class.Name); err != nil {
			return nil, err
		}
		all = append(all, pc.Labs)
	}
	var flat []*labs.Lab
	seen := map[string]bool{}
	for _, list := range all {
		for _, l := range list {
			if l != nil && !seen[l.ID] {
				seen[l.ID] = true
				flat = append(flat, l)
			}
		}
	}
	mapped, excluded, err := k.Labs(flat)
	if err != nil {
		return nil, err
	}
	a.excluded = excluded
	if len(mapped) == 0 {
		return nil, fmt.Errorf("class %s has no lab learner %s can run here (%d left out: %s)", k.Class.Name, k.Membership.Learner, len(excluded), excludedIDs(excluded))
	}
	return labs.NewCatalog(mapped)
}

func excludedIDs(ex []class.Excluded) string {
	var ids []string
	for _, e := range ex {
		ids = append(ids, e.Lab)
	}
	return strings.Join(ids, ", ")
}
