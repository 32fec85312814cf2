package tui

import (
	"time"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
)

// ClusterPhase is where a cluster backend is in its life.
type ClusterPhase int

const (
	// ClusterReady: checks can run.
	ClusterReady ClusterPhase = iota
	// ClusterStarting: the backend is being created or reused (kind's
	// steps); the app stays usable for browsing and reading meanwhile.
	ClusterStarting
	// ClusterFailed: the backend could not be brought up (see Err).
	ClusterFailed
)

func (p ClusterPhase) String() string {
	switch p {
	case ClusterReady:
		return "ready"
	case ClusterStarting:
		return "starting"
	case ClusterFailed:
		return "failed"
	}
	return "unknown"
}

// ClusterStatus describes the cluster backend in use. It is both the
// initial value in Config and a message: a backend that takes time to come
// up (kind) sends one per step on Config.ClusterEvents, and the home panel
// and header bar follow.
type ClusterStatus struct {
	// Backend is what the learner sees: "offline (built in)", "kind
	// (ckadlab)", "context prod-lab".
	Backend string
	// Context is the kube context shown in the task header ("offline" for
	// the built-in cluster).
	Context string
	// KubernetesVersion is the server version, or "offline model".
	KubernetesVersion string
	// NetworkPolicy says whether policies are enforced, e.g. "enforced
	// (modelled)", "enforced (kube-network-policies)", "not enforced".
	NetworkPolicy string
	// Ingress names the IngressClasses and what serves them, e.g. "nginx
	// (default: Traefik, ingress-nginx semantics), traefik (Traefik)"; empty
	// when unknown.
	Ingress string
	// Kubeconfig is the kubeconfig file (or a $KUBECONFIG-style list) of a
	// live cluster. The shell hand-off then gets KUBECONFIG pointing at a
	// copy with only Context, its namespace set to the lab's. Empty (the
	// offline cluster, which has no API server) removes KUBECONFIG from the
	// shell's environment.
	Kubeconfig string

	Phase ClusterPhase
	// Step is the current step while starting ("Preparing nodes").
	Step string
	// StepIndex (1-based) of Steps, for a progress bar; Steps 0 means
	// unknown (a spinner only).
	StepIndex, Steps int
	// Done lists the finished steps (a checklist with their durations),
	// oldest first.
	Done []ClusterStep
	// Message is the latest informational or warning line ("" none).
	Message string
	// Since is when the current phase began (elapsed time is shown while
	// starting).
	Since time.Time
	// Err is why the backend failed (Phase ClusterFailed).
	Err error
}

// ClusterStep is a finished step of bringing a cluster up (kind's
// "Ensuring node image", "Preparing nodes", ...).
type ClusterStep struct {
	Name    string
	OK      bool
	Elapsed time.Duration
}

// OfflineCluster is the status of the built-in offline cluster.
func OfflineCluster() ClusterStatus {
	return ClusterStatus{
		Backend:           "offline (built in)",
		Context:           "offline",
		KubernetesVersion: "offline model",
		NetworkPolicy:     "enforced (modelled)",
		Phase:             ClusterReady,
	}
}

// The root's messages (each screen's own are defined with it).
type (
	catalogMsg struct {
		cat *labs.Catalog
		err error
		dur time.Duration
	}
	progressMsg struct {
		p   *state.Progress
		err error
	}
	clusterTickMsg   struct{}
	clusterClosedMsg struct{}
)
