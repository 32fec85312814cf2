// Package e2e grades every built-in lab on a real kind cluster: one
// cluster for the whole suite, created (or reused) through the kind
// library, graded through client-go. It runs only with CKADLAB_E2E=1 (and
// Docker); otherwise every test skips with a message.
//
//	CKADLAB_E2E=1 CKADLAB_NODE_IMAGE=kind-offline.local/node:v1.37.2 go test ./e2e/ -v -timeout 30m
//
// CKADLAB_E2E_CLUSTER names the cluster (default ckadlab-e2e);
// CKADLAB_E2E_KEEP=1 keeps it afterwards (a later run reuses it).
package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/cluster/kind"
)

const envGate = "CKADLAB_E2E"

// suite is the cluster shared by every test.
var suite struct {
	enabled bool
	opts    kind.Options
	cluster *kind.Cluster
	up      *kind.UpResult
	upErr   error
	stop    context.CancelFunc
	dir     string

	mu      sync.Mutex
	figures map[string][]time.Duration
	memory  map[string][]int64
	counts  map[string]int
}

func TestMain(m *testing.M) {
	suite.enabled = os.Getenv(envGate) == "1"
	if !suite.enabled {
		fmt.Printf("e2e: skipped (set %s=1 to run against a kind cluster; needs Docker)\n", envGate)
		os.Exit(m.Run())
	}
	code := run(m)
	os.Exit(code)
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "ckadlab-e2e-")
	if err != nil {
		fmt.Println("e2e:", err)
		return 2
	}
	suite.dir = dir
	buildBinaries()
	name := os.Getenv("CKADLAB_E2E_CLUSTER")
	if name == "" {
		name = "ckadlab-e2e"
	}
	keep := os.Getenv("CKADLAB_E2E_KEEP") == "1"
	kubeconfig := filepath.Join(os.TempDir(), "ckadlab-e2e-"+name+".kubeconfig")
	suite.opts = kind.Options{
		Name:       name,
		Kubeconfig: kubeconfig,
		HTTPPort:   -1, // no host ports: CI may run other things on 8080
		HTTPSPort:  -1,
		StateDir:   filepath.Join(dir, "state"),
		Events:     func(e kind.Event) { fmt.Printf("e2e: cluster: %s\n", e) },
	}
	start := time.Now()
	ctx := context.Background()
	suite.cluster, suite.up, suite.upErr = kind.Up(ctx, suite.opts)
	if suite.upErr == nil {
		fmt.Printf("e2e: cluster %s %s in %.1fs (kubeconfig %s)\n", name, suite.up.Action, time.Since(start).Seconds(), kubeconfig)
		record("cluster up ("+suite.up.Action+")", time.Since(start))
		pctx, cancel := context.WithCancel(ctx)
		suite.stop = cancel
		go func() {
			// As the CLI's background publisher does, under the cluster's
			// publisher lock (another publisher may already serve it).
			err := kind.RunPublisherDaemon(pctx, suite.opts, func(f string, a ...any) { fmt.Printf("e2e: lb-publisher: "+f+"\n", a...) })
			if err != nil && pctx.Err() == nil {
				fmt.Println("e2e: lb-publisher:", err)
			}
		}()
	} else {
		fmt.Printf("e2e: cluster up failed: %v\n", suite.upErr)
	}
	code := m.Run()
	if suite.stop != nil {
		suite.stop()
	}
	printFigures()
	if !keep && suite.upErr == nil {
		if _, err := kind.Down(context.Background(), suite.opts); err != nil {
			fmt.Println("e2e: cluster down:", err)
			code = max(code, 1)
		}
		os.Remove(kubeconfig)
	}
	os.RemoveAll(dir)
	return code
}

// need skips the test without CKADLAB_E2E and fails it without a cluster.
func need(t *testing.T) *kind.Cluster {
	t.Helper()
	if !suite.enabled {
		t.Skipf("set %s=1 to run the live e2e tests (needs Docker)", envGate)
	}
	if suite.upErr != nil {
		t.Fatalf("no cluster: %v", suite.upErr)
	}
	return suite.cluster
}

// record keeps a timing for the figures printed at the end.
func record(what string, d time.Duration) {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	if suite.figures == nil {
		suite.figures = map[string][]time.Duration{}
	}
	suite.figures[what] = append(suite.figures[what], d)
}

// count adds to a counted figure.
func count(what string, n int) {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	if suite.counts == nil {
		suite.counts = map[string]int{}
	}
	suite.counts[what] += n
}

// recordMem keeps a peak memory figure (KiB).
func recordMem(what string, kib int64) {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	if suite.memory == nil {
		suite.memory = map[string][]int64{}
	}
	suite.memory[what] = append(suite.memory[what], kib)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printFigures() {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	var keys []string
	for k := range suite.figures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ds := suite.figures[k]
		var parts []string
		for _, d := range ds {
			parts = append(parts, fmt.Sprintf("%.2fs", d.Seconds()))
		}
		if len(parts) > 8 {
			parts = append(parts[:8], "...")
		}
		if len(ds) >= 20 {
			// the tail too: p99 and the largest
			s := slices.Sorted(slices.Values(ds))
			parts = []string{fmt.Sprintf("p99 %.3fs, max %.3fs", s[len(s)*99/100].Seconds(), s[len(s)-1].Seconds())}
		}
		fmt.Printf("FIGURE %-45s median %6.2fs over %d [%s]\n", k, median(ds).Seconds(), len(ds), strings.Join(parts, " "))
	}
	for k, ms := range suite.memory {
		ds := make([]time.Duration, len(ms))
		for i, m := range ms {
			ds[i] = time.Duration(m)
		}
		fmt.Printf("FIGURE %-45s median %6.1f MiB over %d\n", k, float64(median(ds))/1024, len(ms))
	}
	for _, k := range slices.Sorted(maps.Keys(suite.counts)) {
		fmt.Printf("FIGURE %-45s %d\n", k, suite.counts[k])
	}
}
