package examrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/session"
)

// On a live cluster the exam's contexts go into the kubeconfig next to
// ckadlab's own (same cluster and user, the task's namespace); offline
// there is nothing to write.
func TestWriteContexts(t *testing.T) {
	r := newRunner(t)
	plan := exam.Plan{Seed: 7}
	for _, id := range examLabs {
		l, _ := r.Cat.Get(id)
		plan.Tasks = append(plan.Tasks, exam.PlanTask{ID: id, Domain: l.Domain, Points: 5})
	}
	e, err := exam.New("e", plan, r.Cat.Get, func(k string) string { return filepath.Join(t.TempDir(), k) }, "x", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteContexts(e); err != nil {
		t.Fatalf("offline: %v", err)
	}
	if _, _, ok := r.KubeContext(); ok {
		t.Fatal("the offline cluster has a kubeconfig")
	}

	kc := filepath.Join(t.TempDir(), "config")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["lab"] = &clientcmdapi.Cluster{Server: "https://lab:6443"}
	cfg.AuthInfos["me"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["lab"] = &clientcmdapi.Context{Cluster: "lab", AuthInfo: "me"}
	cfg.Contexts["work"] = &clientcmdapi.Context{Cluster: "lab", AuthInfo: "me", Namespace: "team"}
	cfg.CurrentContext = "work"
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	r.Mgr.Cluster, r.Mgr.Kubeconfig = session.ContextTarget("lab"), kc
	if path, base, ok := r.KubeContext(); !ok || path != kc || base != "lab" {
		t.Fatalf("KubeContext = %s %s %v", path, base, ok)
	}
	if err := r.WriteContexts(e); err != nil {
		t.Fatal(err)
	}
	got, err := clientcmd.LoadFromFile(kc)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range e.Tasks {
		c := got.Contexts[task.Context]
		if c == nil || c.Cluster != "lab" || c.AuthInfo != "me" || c.Namespace != task.Namespace {
			t.Errorf("task %s: context %s = %+v", task.Lab, task.Context, c)
		}
	}
	if got.CurrentContext != "work" || got.Contexts["work"].Namespace != "team" || len(got.Contexts) != 2+len(e.Contexts()) {
		t.Errorf("other contexts changed: current %s, %d contexts", got.CurrentContext, len(got.Contexts))
	}
	os.Remove(kc)
	if err := r.WriteContexts(e); err == nil {
		t.Fatal("no kubeconfig, no error")
	}
}

// Each task's workspace is named by its number, and its TASK.md is the
// task as the exam shows it: the neutral title, the context line (said to
// be informational offline) and the documentation, not the lab's title.
func TestExamWorkspaces(t *testing.T) {
	r := newRunner(t)
	e := begin(t, r)
	for i, task := range e.Tasks {
		if filepath.Base(task.Workspace) != exam.TaskKey(i) {
			t.Errorf("task %d: workspace %s", i+1, task.Workspace)
		}
		data, err := os.ReadFile(filepath.Join(task.Workspace, "TASK.md"))
		if err != nil {
			t.Fatal(err)
		}
		doc := string(data)
		for _, want := range []string{"# " + exam.NeutralTitle(i+1, task), "kubectl config use-context " + task.Context, "informational", "https://kubernetes.io/docs/"} {
			if !strings.Contains(doc, want) {
				t.Errorf("task %d: TASK.md lacks %q:\n%s", i+1, want, doc)
			}
		}
		if strings.Contains(doc, task.Title) {
			t.Errorf("task %d: TASK.md gives the title away:\n%s", i+1, doc)
		}
	}
}
