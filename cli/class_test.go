package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/classroom"
	"github.com/ckadlab/ckadlab/cluster/live"
)

// fakeClassCluster makes the class commands reach a fake cluster (with a
// token controller) for the test.
func fakeClassCluster(t *testing.T) *fake.Clientset {
	t.Helper()
	fc := fake.NewClientset()
	fc.PrependReactor("create", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		s := a.(k8stesting.CreateAction).GetObject().(*corev1.Secret)
		s.Data = map[string][]byte{corev1.ServiceAccountTokenKey: []byte("tok-" + s.Annotations[corev1.ServiceAccountNameKey])}
		return false, nil, nil
	})
	// The policy check and the self-test need a server: skipped.
	old := classConnect
	classConnect = func(kubeconfig, context string) (*live.Clients, error) {
		return &live.Clients{Context: context, Kube: fc, Config: &rest.Config{Host: "https://198.51.100.7:6443"}}, nil
	}
	oldNoServer := classNoServer
	classNoServer = true
	t.Cleanup(func() { classConnect, classNoServer = old, oldNoServer })
	return fc
}

func TestClassUpStatusDown(t *testing.T) {
	fc := fakeClassCluster(t)
	home := t.TempDir()
	out := filepath.Join(home, "kc")
	stdout, errOut, code := run(t, home, "class", "up", "--context", "kind-x", "--name", "room", "--learners", "alice, bob", "--out", out, "--labs", "np-allow-app", "--json")
	if code != 0 {
		t.Fatalf("class up: exit %d\n%s%s", code, stdout, errOut)
	}
	var res classroom.UpResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("class up --json: %v\n%s", err, stdout)
	}
	if res.Class != "room" || len(res.Learners) != 2 || res.Learners[1].Kubeconfig != filepath.Join(out, "bob.kubeconfig") || strings.Join(res.Labs, ",") != "np-allow-app" {
		t.Errorf("class up result: %+v", res)
	}
	if b, err := os.ReadFile(filepath.Join(out, "alice.kubeconfig")); err != nil || !strings.Contains(string(b), "tok-alice") {
		t.Errorf("alice's kubeconfig: %v\n%s", err, b)
	}
	// Text output warns about a server learners cannot reach only when
	// it is local; status lists the learners.
	stdout, errOut, code = run(t, home, "class", "status", "--name", "room")
	if code != 0 || !strings.Contains(stdout, "alice") || !strings.Contains(stdout, "np-allow-app") {
		t.Errorf("class status: exit %d\n%s%s", code, stdout, errOut)
	}
	stdout, _, code = run(t, home, "class", "status", "--name", "room", "--json")
	var st classStatusInfo
	if code != 0 || json.Unmarshal([]byte(stdout), &st) != nil || st.Status == nil || len(st.Learners) != 2 || len(st.LeftOut) != 0 {
		t.Errorf("class status --json: exit %d\n%s", code, stdout)
	}
	stdout, errOut, code = run(t, home, "class", "down", "--context", "kind-x", "--name", "room", "--json")
	var down classroom.DownResult
	if code != 0 || json.Unmarshal([]byte(stdout), &down) != nil || !down.Found || len(down.Namespaces) != 3 {
		t.Errorf("class down: exit %d\n%s%s", code, stdout, errOut)
	}
	if nss, _ := fc.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{}); len(nss.Items) != 0 {
		t.Errorf("namespaces left after class down: %d", len(nss.Items))
	}
	if _, errOut, code := run(t, home, "class", "status", "--name", "room"); code != ExitError || !strings.Contains(errOut, "no such class") {
		t.Errorf("status of a removed class: exit %d %s", code, errOut)
	}
}

func TestClassBadInput(t *testing.T) {
	fakeClassCluster(t)
	home := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"class", "up", "--learners", "a"}, "--context"},
		{[]string{"class", "up", "--context", "x"}, "--learners"},
		{[]string{"class", "up", "--context", "x", "--learners", "a", "--count", "2"}, "--learners"},
		{[]string{"class", "up", "--context", "x", "--count", "0"}, "--count 0"},
		{[]string{"class", "up", "--context", "x", "--learners", "Alice"}, "lowercase"},
		{[]string{"class", "up", "--context", "x", "--learners", "a", "--labs", "no-such-lab"}, "no-such-lab"},
		{[]string{"class", "up", "--context", "x", "--learners", "a", "--labs", "np-test-network-policy"}, "cannot run side by side"},
		{[]string{"class", "up", "--context", "x", "--learners", "a", "--name", "Bad_Name"}, "class name"},
		{[]string{"class", "down"}, "--context"},
		{[]string{"class", "exam", "--tasks", "0"}, "--tasks 0"},
		{[]string{"class", "exam", "--duration", "0s"}, "--duration"},
		{[]string{"class", "exam", "--stop", "--seed", "3"}, "--stop takes no --seed"},
		{[]string{"class", "publish", "/nonexistent/pack"}, "no such file"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			stdout, errOut, code := run(t, home, append(tc.args, "--json")...)
			if code != ExitError || !strings.Contains(stdout, tc.want) {
				t.Errorf("exit %d, want %d and %q\n%s%s", code, ExitError, tc.want, stdout, errOut)
			}
		})
	}
}

func TestClassExam(t *testing.T) {
	fakeClassCluster(t)
	home := t.TempDir()
	if _, errOut, code := run(t, home, "class", "up", "--context", "x", "--count", "2", "--out", filepath.Join(home, "kc")); code != 0 {
		t.Fatalf("class up: %s", errOut)
	}
	stdout, errOut, code := run(t, home, "class", "exam", "--seed", "7", "--tasks", "3", "--duration", "45m", "--json")
	if code != 0 {
		t.Fatalf("class exam: exit %d\n%s%s", code, stdout, errOut)
	}
	var info classExamInfo
	if err := json.Unmarshal([]byte(stdout), &info); err != nil || info.Exam == nil || info.Exam.Seed != 7 || info.Exam.Tasks != 3 || info.Plan == nil || len(info.Plan.Tasks) != 3 {
		t.Fatalf("class exam --json: %v\n%s", err, stdout)
	}
	// Drawn from the labs that run side by side (what learners list),
	// and kept in the exam: learners sit that plan, not a draw of their own.
	builtin, err := loadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	pool, _ := class.ClassLabs(&class.Class{}, builtin)
	cat, err := labs.NewCatalog(pool)
	if err != nil {
		t.Fatal(err)
	}
	want, err := exam.Draw(cat.All(), exam.DrawOptions{Seed: 7, Tasks: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Exam.Plan) != 3 {
		t.Fatalf("the exam keeps %d planned tasks, want 3", len(info.Exam.Plan))
	}
	for i, task := range info.Plan.Tasks {
		if task.ID != want.Tasks[i].ID || info.Exam.Plan[i].Lab != task.ID || info.Exam.Plan[i].Points != task.Points {
			t.Errorf("task %d: drew %s (kept %+v), want %s", i+1, task.ID, info.Exam.Plan[i], want.Tasks[i].ID)
		}
		l, err := cat.Get(task.ID)
		if err != nil || class.Safe(l) != nil {
			t.Errorf("task %d: %s is not a lab that runs side by side", i+1, task.ID)
		}
	}
	if _, errOut, code := run(t, home, "class", "exam", "--seed", "8"); code != ExitError || !strings.Contains(errOut, "exam is running") {
		t.Errorf("a second exam: exit %d %s", code, errOut)
	}
	if stdout, _, code := run(t, home, "class", "exam", "--stop"); code != 0 || !strings.Contains(stdout, "Stopped") {
		t.Errorf("--stop: exit %d %s", code, stdout)
	}
	if stdout, _, code := run(t, home, "class", "exam", "--stop"); code != 0 || !strings.Contains(stdout, "no exam") {
		t.Errorf("--stop again: exit %d %s", code, stdout)
	}
	if _, errOut, code := run(t, home, "class", "exam", "--tasks", "500"); code != ExitError || !strings.Contains(errOut, "only") {
		t.Errorf("too many tasks: exit %d %s", code, errOut)
	}
	// The status lists the labs left out, with why.
	stdout, _, _ = run(t, home, "class", "status")
	if !strings.Contains(stdout, "left out") || !strings.Contains(stdout, "np-test-network-policy") || !strings.Contains(stdout, "pinned") {
		t.Errorf("class status does not list the labs left out:\n%s", stdout)
	}
}

func TestClassPublish(t *testing.T) {
	fc := fakeClassCluster(t)
	home := t.TempDir()
	if _, errOut, code := run(t, home, "class", "up", "--context", "x", "--learners", "alice", "--out", filepath.Join(home, "kc")); code != 0 {
		t.Fatalf("class up: %s", errOut)
	}
	good := t.TempDir()
	packLab(t, good, "np-default-deny", "class-deny", nil)
	stdout, errOut, code := run(t, home, "class", "publish", good, "--json")
	if code != 0 {
		t.Fatalf("publish: exit %d\n%s%s", code, stdout, errOut)
	}
	var info classPublishInfo
	if err := json.Unmarshal([]byte(stdout), &info); err != nil || strings.Join(info.Labs, ",") != "class-deny" || info.Pack == nil {
		t.Fatalf("publish --json: %v\n%s", err, stdout)
	}
	// np-default-deny pins a pod's address: its copy is published, and
	// said to be left out.
	if len(info.LeftOut) != 1 || info.LeftOut[0].Lab != "class-deny" || !strings.Contains(info.LeftOut[0].Reason, "pinned") {
		t.Errorf("left out: %+v", info.LeftOut)
	}
	cm, err := fc.CoreV1().ConfigMaps("ckadlab-class-ckad").Get(t.Context(), class.PackConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	unpacked := t.TempDir()
	if names, err := classroom.UnpackPack(cm.BinaryData[class.PackKey], unpacked); err != nil || strings.Join(names, ",") != "class-deny.toml" {
		t.Errorf("published pack: %v %v", names, err)
	}

	// A .tar.gz of a pack whose solution fails its own lab is refused, and
	// the published pack stays.
	bad := t.TempDir()
	packLab(t, bad, "svc-nodeport", "class-nodeport", func(s string) string {
		return strings.Replace(s, "type: NodePort", "type: ClusterIP", 1)
	})
	text, _ := os.ReadFile(filepath.Join(bad, "class-nodeport.toml"))
	tgzPath := filepath.Join(t.TempDir(), "bad.tar.gz")
	os.WriteFile(tgzPath, tarGzOf(t, map[string][]byte{"class-nodeport.toml": text}), 0o644)
	if stdout, _, code := run(t, home, "class", "publish", tgzPath, "--json"); code != ExitError || !strings.Contains(stdout, "solution") {
		t.Errorf("a failing pack: exit %d\n%s", code, stdout)
	}
	after, _ := fc.CoreV1().ConfigMaps("ckadlab-class-ckad").Get(t.Context(), class.PackConfigMap, metav1.GetOptions{})
	if !bytes.Equal(after.BinaryData[class.PackKey], cm.BinaryData[class.PackKey]) {
		t.Errorf("a refused pack replaced the published one")
	}
	// A good .tar.gz is published.
	goodText, _ := os.ReadFile(filepath.Join(good, "class-deny.toml"))
	goodTgz := filepath.Join(t.TempDir(), "good.tar.gz")
	os.WriteFile(goodTgz, tarGzOf(t, map[string][]byte{"class-deny.toml": goodText}), 0o644)
	if stdout, errOut, code := run(t, home, "class", "publish", goodTgz); code != 0 || !strings.Contains(stdout, "Published 1 lab(s)") {
		t.Errorf("a good .tar.gz: exit %d\n%s%s", code, stdout, errOut)
	}
	// A symbolic link in a pack directory is refused.
	linked := t.TempDir()
	os.Symlink(filepath.Join(good, "class-deny.toml"), filepath.Join(linked, "class-deny.toml"))
	if _, errOut, code := run(t, home, "class", "publish", linked); code != ExitError || !strings.Contains(errOut, "symbolic link") {
		t.Errorf("a symlinked pack: exit %d %s", code, errOut)
	}
}

func tarGzOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// The board and report commands read the class from the cluster: a
// learner's recorded result shows in the report.
func TestClassReportReadsTheCluster(t *testing.T) {
	fc := fakeClassCluster(t)
	home := t.TempDir()
	if _, errOut, code := run(t, home, "class", "up", "--context", "x", "--learners", "alice,bob", "--out", filepath.Join(home, "kc")); code != 0 {
		t.Fatalf("class up: %s", errOut)
	}
	cl := &live.Clients{Kube: fc}
	rec := &class.Record{Lab: "np-allow-app", Domain: "networkpolicy", Score: 2, Max: 4,
		Checks: []class.CheckRecord{{ID: "web-allowed", Passed: true, Points: 2, Max: 2}, {ID: "other-denied", Max: 2, Why: []string{"no NetworkPolicy selects pod alice-shop/db"}}}}
	if err := classroom.WriteRecord(context.Background(), cl, class.Membership{Class: DefaultClassName, Learner: "alice"}, rec); err != nil {
		t.Fatal(err)
	}
	stdout, errOut, code := run(t, home, "class", "report", "--context", "x", "--format", "csv")
	if code != 0 {
		t.Fatalf("class report: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(stdout, "alice") || !strings.Contains(stdout, "np-allow-app") || !strings.Contains(stdout, "bob") {
		t.Errorf("report without alice's result or bob:\n%s", stdout)
	}
	md, _, code := run(t, home, "class", "report", "--context", "x", "--format", "md")
	if code != 0 || !strings.Contains(md, "other-denied") {
		t.Errorf("the md report does not list the failed check (exit %d):\n%s", code, md)
	}
}
