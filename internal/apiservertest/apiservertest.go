// Package apiservertest starts a real kube-apiserver (with its etcd) for a
// test: RBAC and admission (ValidatingAdmissionPolicy, ResourceQuota,
// LimitRanger) are the real ones. No kube-controller-manager runs, so the
// test stands in for the two controllers RBAC tests need (FakeControllers):
// the token controller filling ServiceAccount token Secrets, and the quota
// controller's status. The binaries come from $CKADLAB_KUBE_BIN, a list of
// directories (like $PATH) holding kube-apiserver and etcd; without them
// the test is skipped with a message.
package apiservertest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// BinEnv names the directories holding kube-apiserver and etcd.
const BinEnv = "CKADLAB_KUBE_BIN"

// Server is a running kube-apiserver.
type Server struct {
	// Admin is a cluster-admin (system:masters) config.
	Admin *rest.Config
	// Started is how long the start took.
	Started time.Duration
	logs    *bytes.Buffer
}

// Find returns the paths of kube-apiserver and etcd from $CKADLAB_KUBE_BIN
// (empty when either is missing, with the reason).
func Find() (apiserver, etcd, why string) {
	dirs := filepath.SplitList(os.Getenv(BinEnv))
	if len(dirs) == 0 {
		return "", "", "$" + BinEnv + " is not set (a list of directories holding kube-apiserver and etcd)"
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		for _, b := range []struct {
			name string
			dst  *string
		}{{"kube-apiserver", &apiserver}, {"etcd", &etcd}} {
			p := filepath.Join(d, b.name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 && *b.dst == "" {
				*b.dst = p
			}
		}
	}
	if apiserver == "" || etcd == "" {
		return "", "", fmt.Sprintf("$%s=%s holds no kube-apiserver and etcd", BinEnv, os.Getenv(BinEnv))
	}
	return apiserver, etcd, ""
}

// Start starts etcd and kube-apiserver for the test (stopped when it
// ends), or skips the test when the binaries are not there.
func Start(t testing.TB) *Server {
	t.Helper()
	apiserverBin, etcdBin, why := Find()
	if why != "" {
		t.Skipf("no kube-apiserver to test against: %s", why)
	}
	begin := time.Now()
	dir := t.TempDir()
	logs := &bytes.Buffer{}
	lw := &lockedWriter{w: logs}
	ports := freePorts(t, 3)
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	etcd := exec.Command(etcdBin,
		"--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL,
		"--unsafe-no-fsync", "--log-level", "warn")
	etcd.Stdout, etcd.Stderr = lw, lw
	etcdDone := startProc(t, etcd, "etcd")

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, pubFile := filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	writeFile(t, pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	token := "admin-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	tokens := filepath.Join(dir, "tokens.csv")
	writeFile(t, tokens, []byte(token+",admin,admin,system:masters\n"))
	port := ports[2]
	api := exec.Command(apiserverBin,
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(port),
		"--cert-dir", filepath.Join(dir, "certs"),
		"--token-auth-file", tokens,
		"--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", pubFile,
		"--service-account-signing-key-file", keyFile,
		"--service-cluster-ip-range", "10.96.0.0/16",
		// No controller-manager creates the default ServiceAccounts.
		"--disable-admission-plugins", "ServiceAccount",
		"--enable-priority-and-fairness=false",
		// As on kind: Pod Security admission, not this flag, refuses
		// privileged pods where it should.
		"--allow-privileged=true",
		// 127.0.0.1 cannot be the kubernetes Service's endpoint.
		"--endpoint-reconciler-type", "none",
		"--v", "0")
	api.Stdout, api.Stderr = lw, lw
	apiDone := startProc(t, api, "kube-apiserver")

	cfg := &rest.Config{
		Host:            "https://127.0.0.1:" + strconv.Itoa(port),
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		QPS:             200, Burst: 400,
	}
	waitReady(t, cfg, logs, etcdDone, apiDone)
	// The serving certificate the API server made for itself, with the CA
	// that signed it: clients verify it like a real cluster's.
	if chain, err := os.ReadFile(filepath.Join(dir, "certs", "apiserver.crt")); err == nil {
		cfg.TLSClientConfig = rest.TLSClientConfig{CAData: chain}
	}
	return &Server{Admin: cfg, Started: time.Since(begin), logs: logs}
}

// ClientFor is a config authenticating with a bearer token.
func (s *Server) ClientFor(token string) *rest.Config {
	c := rest.CopyConfig(s.Admin)
	c.BearerToken = token
	return c
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 {
		return len(p), nil
	}
	return l.w.Write(p)
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var out []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// startProc starts a process, stopped when the test ends; the channel is
// closed when it exits.
func startProc(t testing.TB, cmd *exec.Cmd, name string) <-chan struct{} {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return done
}

func waitReady(t testing.TB, cfg *rest.Config, logs *bytes.Buffer, exited ...<-chan struct{}) {
	t.Helper()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range exited {
			select {
			case <-e:
				t.Fatalf("etcd or kube-apiserver exited; the log:\n%s", tail(logs.String(), 4000))
			default:
			}
		}
		req, _ := http.NewRequest("GET", cfg.Host+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+cfg.BearerToken)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("kube-apiserver not ready in 60s; its log:\n%s", tail(logs.String(), 4000))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// FakeControllers stands in for kube-controller-manager's token controller
// (a Secret of type kubernetes.io/service-account-token gets a token: a
// TokenRequest bound to the Secret, so it dies with it) and quota
// controller (a ResourceQuota's status.hard is its spec.hard, used zero,
// which the ResourceQuota admission plugin needs before it admits
// anything into the namespace). It runs until the test ends.
func (s *Server) FakeControllers(t testing.TB) {
	t.Helper()
	kube, err := kubernetes.NewForConfig(s.Admin)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	run := func(f func(context.Context, kubernetes.Interface) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := f(ctx, kube); err != nil && ctx.Err() == nil {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	run(tokenController)
	run(quotaController)
}

func tokenController(ctx context.Context, kube kubernetes.Interface) error {
	w, err := kube.CoreV1().Secrets("").Watch(ctx, metav1.ListOptions{FieldSelector: "type=" + string(corev1.SecretTypeServiceAccountToken)})
	if err != nil {
		return err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type != watch.Added && ev.Type != watch.Modified {
			continue
		}
		sec, ok := ev.Object.(*corev1.Secret)
		if !ok || len(sec.Data[corev1.ServiceAccountTokenKey]) > 0 {
			continue
		}
		sa := sec.Annotations[corev1.ServiceAccountNameKey]
		exp := int64(48 * 3600)
		tr, err := kube.CoreV1().ServiceAccounts(sec.Namespace).CreateToken(ctx, sa, &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{
			ExpirationSeconds: &exp,
			BoundObjectRef:    &authv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: sec.Name, UID: sec.UID},
		}}, metav1.CreateOptions{})
		if err != nil {
			continue // the ServiceAccount may come a moment later: the next event retries
		}
		sec.Data = map[string][]byte{corev1.ServiceAccountTokenKey: []byte(tr.Status.Token), "namespace": []byte(sec.Namespace)}
		kube.CoreV1().Secrets(sec.Namespace).Update(ctx, sec, metav1.UpdateOptions{})
	}
	return fmt.Errorf("watch ended")
}

func quotaController(ctx context.Context, kube kubernetes.Interface) error {
	w, err := kube.CoreV1().ResourceQuotas("").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type != watch.Added && ev.Type != watch.Modified {
			continue
		}
		q, ok := ev.Object.(*corev1.ResourceQuota)
		if !ok || len(q.Status.Hard) == len(q.Spec.Hard) {
			continue
		}
		q.Status.Hard = q.Spec.Hard.DeepCopy()
		q.Status.Used = corev1.ResourceList{}
		for k, v := range q.Spec.Hard {
			z := v.DeepCopy()
			z.Set(0)
			q.Status.Used[k] = z
		}
		kube.CoreV1().ResourceQuotas(q.Namespace).UpdateStatus(ctx, q, metav1.UpdateOptions{})
	}
	return fmt.Errorf("watch ended")
}
