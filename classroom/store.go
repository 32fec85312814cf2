package classroom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster/live"
)

// ErrNoClass is returned when the cluster holds no class of that name.
var ErrNoClass = errors.New("no such class on this cluster")

// ErrExamRunning is returned by StartExam while a class exam runs.
var ErrExamRunning = errors.New("a class exam is running")

// MaxConfigMapData bounds what ckadlab writes into one ConfigMap (results,
// a pack): the API server refuses objects over 1 MiB, and the rest of the
// object needs room.
const MaxConfigMapData = 900 << 10

// Annotations of a published pack.
const (
	PackSHA256Annotation    = "ckadlab.io/sha256"
	PackPublishedAnnotation = "ckadlab.io/published"
)

// ReadClass reads a class (ErrNoClass when it is not on the cluster).
func ReadClass(ctx context.Context, cl *live.Clients, name string) (*class.Class, error) {
	if err := class.ValidName("class", name, class.MaxClassName); err != nil {
		return nil, err
	}
	ns := class.NamespacePrefix + name
	cm, err := cl.Kube.CoreV1().ConfigMaps(ns).Get(ctx, class.ClassConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s (no ConfigMap %s/%s)", ErrNoClass, name, ns, class.ClassConfigMap)
	}
	if err != nil {
		return nil, fmt.Errorf("read class %s: %w", name, err)
	}
	var c class.Class
	if err := json.Unmarshal([]byte(cm.Data[class.ClassKey]), &c); err != nil {
		return nil, fmt.Errorf("class %s: ConfigMap %s/%s: %s is not a class: %v", name, ns, class.ClassConfigMap, class.ClassKey, err)
	}
	if c.Name != name {
		return nil, fmt.Errorf("class %s: ConfigMap %s/%s names class %q", name, ns, class.ClassConfigMap, c.Name)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("class %s on the cluster: %w", name, err)
	}
	return &c, nil
}

// ReadMembership reads the Membership in a namespace (a learner's home):
// nil and no error when the namespace holds none, or the user may not
// read it: the context is not a class learner's.
func ReadMembership(ctx context.Context, cl *live.Clients, namespace string) (*class.Membership, error) {
	if namespace == "" {
		return nil, nil
	}
	cm, err := cl.Kube.CoreV1().ConfigMaps(namespace).Get(ctx, class.LearnerConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read class membership in %s: %w", namespace, err)
	}
	var m class.Membership
	if err := json.Unmarshal([]byte(cm.Data[class.LearnerKey]), &m); err != nil {
		return nil, fmt.Errorf("ConfigMap %s/%s: %s is not a class membership: %v", namespace, class.LearnerConfigMap, class.LearnerKey, err)
	}
	if err := class.ValidName("class", m.Class, class.MaxClassName); err != nil {
		return nil, fmt.Errorf("ConfigMap %s/%s: %w", namespace, class.LearnerConfigMap, err)
	}
	if err := class.ValidName("learner", m.Learner, class.MaxLearnerName); err != nil {
		return nil, fmt.Errorf("ConfigMap %s/%s: %w", namespace, class.LearnerConfigMap, err)
	}
	if class.Home(m.Learner) != namespace {
		return nil, fmt.Errorf("ConfigMap %s/%s names learner %s, whose home is %s", namespace, class.LearnerConfigMap, m.Learner, class.Home(m.Learner))
	}
	return &m, nil
}

// WriteRecord stores a learner's result in their results ConfigMap under
// class.ResultKey(r), replacing the previous one of that key. A record
// without Attempts counts one more than the one it replaces (1 for the
// first); r is updated with what was written. It re-reads and retries
// when another write came first; a ConfigMap that would grow over
// MaxConfigMapData is refused.
func WriteRecord(ctx context.Context, cl *live.Clients, m class.Membership, r *class.Record) error {
	if r.Learner == "" {
		r.Learner = m.Learner
	}
	if r.Learner != m.Learner {
		return fmt.Errorf("record of learner %s cannot be written as learner %s", r.Learner, m.Learner)
	}
	counting := r.Attempts == 0
	key := class.ResultKey(r)
	home := class.Home(m.Learner)
	cms := cl.Kube.CoreV1().ConfigMaps(home)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm, err := cms.Get(ctx, class.ResultsConfigMap, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("no results ConfigMap %s/%s: is learner %s still in class %s? (the instructor's ckadlab class up creates it)", home, class.ResultsConfigMap, m.Learner, m.Class)
		}
		if err != nil {
			return fmt.Errorf("read results: %w", err)
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		if counting {
			var prev class.Record
			r.Attempts = 1
			if old, ok := cm.Data[key]; ok && json.Unmarshal([]byte(old), &prev) == nil && prev.Attempts > 0 {
				r.Attempts = prev.Attempts + 1
			}
		}
		val, err := json.Marshal(r)
		if err != nil {
			return err
		}
		cm.Data[key] = string(val)
		if size := dataSize(cm); size > MaxConfigMapData {
			return fmt.Errorf("results of learner %s would take %d KiB, over the %d KiB a results ConfigMap may hold: the instructor can clear old exam results (kubectl -n %s edit configmap %s)", m.Learner, size>>10, MaxConfigMapData>>10, home, class.ResultsConfigMap)
		}
		_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
}

// ReadLearnerRecords reads one learner's own results (with the learner's
// token: their home's results ConfigMap), sorted by key; malformed values
// are reported as ReadRecords does.
func ReadLearnerRecords(ctx context.Context, cl *live.Clients, m class.Membership) ([]class.Record, error) {
	home := class.Home(m.Learner)
	cm, err := cl.Kube.CoreV1().ConfigMaps(home).Get(ctx, class.ResultsConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []class.Record
	var bad []string
	for _, k := range keys {
		var r class.Record
		if err := json.Unmarshal([]byte(cm.Data[k]), &r); err != nil || r.Learner != m.Learner || class.ResultKey(&r) != k {
			bad = append(bad, fmt.Sprintf("%s/%s: not a record of learner %s", home, k, m.Learner))
			continue
		}
		out = append(out, r)
	}
	if len(bad) > 0 {
		return out, &MalformedError{Problems: bad}
	}
	return out, nil
}

func dataSize(cm *corev1.ConfigMap) int {
	n := 0
	for k, v := range cm.Data {
		n += len(k) + len(v)
	}
	for k, v := range cm.BinaryData {
		n += len(k) + len(v)
	}
	return n
}

// MalformedError lists the result values ReadRecords could not read; the
// records it could read come with it.
type MalformedError struct {
	Problems []string // "NAMESPACE/KEY: why"
}

func (e *MalformedError) Error() string {
	const show = 5
	head := e.Problems
	more := ""
	if len(head) > show {
		head, more = head[:show], fmt.Sprintf(" (and %d more)", len(e.Problems)-show)
	}
	return fmt.Sprintf("%d malformed result(s) left out: %s%s", len(e.Problems), strings.Join(head, "; "), more)
}

// ReadRecords reads every result of a class with one List of the results
// ConfigMaps across namespaces (by label), sorted by learner, then key. A
// value that is not a Record (or names another learner) is left out and
// reported by a *MalformedError returned together with the good records;
// any other error means no records.
func ReadRecords(ctx context.Context, cl *live.Clients, className string) ([]class.Record, error) {
	list, err := cl.Kube.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{
		LabelSelector: class.LabelClass + "=" + className + "," + class.LabelLearner,
		FieldSelector: "metadata.name=" + class.ResultsConfigMap,
	})
	if err != nil {
		return nil, fmt.Errorf("list results of class %s: %w", className, err)
	}
	type keyed struct {
		learner, key string
		r            class.Record
	}
	var all []keyed
	var bad []string
	for _, cm := range list.Items {
		if cm.Name != class.ResultsConfigMap {
			continue
		}
		learner := cm.Labels[class.LabelLearner]
		if cm.Namespace != class.Home(learner) {
			bad = append(bad, fmt.Sprintf("%s/%s: not in learner %s's home namespace", cm.Namespace, cm.Name, learner))
			continue
		}
		for k, v := range cm.Data {
			var r class.Record
			if err := json.Unmarshal([]byte(v), &r); err != nil {
				bad = append(bad, fmt.Sprintf("%s/%s: %v", cm.Namespace, k, err))
				continue
			}
			if r.Learner != learner {
				bad = append(bad, fmt.Sprintf("%s/%s: record of learner %q in learner %s's results", cm.Namespace, k, r.Learner, learner))
				continue
			}
			if class.ResultKey(&r) != k {
				bad = append(bad, fmt.Sprintf("%s/%s: record stored under the wrong key (want %s)", cm.Namespace, k, class.ResultKey(&r)))
				continue
			}
			all = append(all, keyed{learner, k, r})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].learner != all[j].learner {
			return all[i].learner < all[j].learner
		}
		return all[i].key < all[j].key
	})
	out := make([]class.Record, len(all))
	for i, k := range all {
		out[i] = k.r
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return out, &MalformedError{Problems: bad}
	}
	return out, nil
}

// StartExam publishes a class exam: every learner's ckadlab picks it up.
// While another runs (its deadline is after e.Start) it returns
// ErrExamRunning; a finished one is replaced.
func StartExam(ctx context.Context, cl *live.Clients, className string, e *class.Exam) error {
	if e.ID == "" || e.Tasks <= 0 || e.Duration <= 0 || e.Start.IsZero() {
		return fmt.Errorf("class exam: want an id, tasks, a positive duration and a start time")
	}
	old, err := ReadExam(ctx, cl, className)
	if err != nil {
		return err
	}
	if old != nil && old.Deadline().After(e.Start) {
		return fmt.Errorf("%w: exam %s until %s (stop it first: ckadlab class exam --stop)", ErrExamRunning, old.ID, old.Deadline().Format(time.RFC3339))
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	ns := class.NamespacePrefix + className
	cm := &corev1.ConfigMap{ObjectMeta: meta(class.ExamConfigMap, ns, classLabels(className)), Data: map[string]string{class.ExamKey: string(data)}}
	_, err = upsert(ctx, cl.Kube.CoreV1().ConfigMaps(ns), cm)
	if err != nil {
		return fmt.Errorf("start class exam: %w", err)
	}
	return nil
}

// ReadExam reads the class exam (nil when none was started, or it was
// stopped; a finished one is still returned: Deadline says).
func ReadExam(ctx context.Context, cl *live.Clients, className string) (*class.Exam, error) {
	ns := class.NamespacePrefix + className
	cm, err := cl.Kube.CoreV1().ConfigMaps(ns).Get(ctx, class.ExamConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read class exam: %w", err)
	}
	var e class.Exam
	if err := json.Unmarshal([]byte(cm.Data[class.ExamKey]), &e); err != nil {
		return nil, fmt.Errorf("ConfigMap %s/%s: %s is not an exam: %v", ns, class.ExamConfigMap, class.ExamKey, err)
	}
	return &e, nil
}

// StopExam removes the class exam; stopped reports whether there was one.
func StopExam(ctx context.Context, cl *live.Clients, className string) (stopped bool, err error) {
	ns := class.NamespacePrefix + className
	err = cl.Kube.CoreV1().ConfigMaps(ns).Delete(ctx, class.ExamConfigMap, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stop class exam: %w", err)
	}
	return true, nil
}

// PackInfo describes a published pack.
type PackInfo struct {
	Bytes     int       `json:"bytes"`
	SHA256    string    `json:"sha256"`
	Published time.Time `json:"published"`
}

// PublishPack publishes a lab pack (a .tar.gz of lab files, see
// BuildPack) to the class, replacing the previous one.
func PublishPack(ctx context.Context, cl *live.Clients, className string, tgz []byte) (*PackInfo, error) {
	if len(tgz) == 0 {
		return nil, errors.New("the pack is empty")
	}
	if len(tgz) > MaxConfigMapData {
		return nil, fmt.Errorf("the pack takes %d KiB compressed, over the %d KiB a class pack may take", len(tgz)>>10, MaxConfigMapData>>10)
	}
	if _, err := ReadClass(ctx, cl, className); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(tgz)
	info := &PackInfo{Bytes: len(tgz), SHA256: hex.EncodeToString(sum[:]), Published: time.Now().UTC().Truncate(time.Second)}
	ns := class.NamespacePrefix + className
	cm := &corev1.ConfigMap{ObjectMeta: meta(class.PackConfigMap, ns, classLabels(className)), BinaryData: map[string][]byte{class.PackKey: tgz}}
	cm.Annotations = map[string]string{PackSHA256Annotation: info.SHA256, PackPublishedAnnotation: info.Published.Format(time.RFC3339)}
	if _, err := upsert(ctx, cl.Kube.CoreV1().ConfigMaps(ns), cm); err != nil {
		return nil, fmt.Errorf("publish pack: %w", err)
	}
	return info, nil
}

// ReadPack reads the class's published pack (nil, nil when none).
func ReadPack(ctx context.Context, cl *live.Clients, className string) ([]byte, *PackInfo, error) {
	ns := class.NamespacePrefix + className
	cm, err := cl.Kube.CoreV1().ConfigMaps(ns).Get(ctx, class.PackConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read class pack: %w", err)
	}
	tgz := cm.BinaryData[class.PackKey]
	if len(tgz) == 0 {
		return nil, nil, fmt.Errorf("ConfigMap %s/%s holds no %s", ns, class.PackConfigMap, class.PackKey)
	}
	sum := sha256.Sum256(tgz)
	info := &PackInfo{Bytes: len(tgz), SHA256: hex.EncodeToString(sum[:])}
	if want := cm.Annotations[PackSHA256Annotation]; want != "" && want != info.SHA256 {
		return nil, nil, fmt.Errorf("ConfigMap %s/%s: the pack's checksum is %s, not the published %s", ns, class.PackConfigMap, info.SHA256, want)
	}
	info.Published, _ = time.Parse(time.RFC3339, cm.Annotations[PackPublishedAnnotation])
	return tgz, info, nil
}

// ReadBoard reads what the instructor's board shows: the class, its
// learners' results (one List call; malformed values reported with the
// good records as a *MalformedError) and the running exam (nil: none).
func ReadBoard(ctx context.Context, cl *live.Clients, name string) (*class.Class, []class.Record, *class.Exam, error) {
	c, err := ReadClass(ctx, cl, name)
	if err != nil {
		return nil, nil, nil, err
	}
	recs, rerr := ReadRecords(ctx, cl, name)
	var bad *MalformedError
	if rerr != nil && !errors.As(rerr, &bad) {
		return nil, nil, nil, rerr
	}
	e, err := ReadExam(ctx, cl, name)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, recs, e, rerr
}
