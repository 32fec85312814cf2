package live

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// accessEntry is what Traefik's access log says about one request.
type accessEntry struct {
	service string // NS/NAME of the Kubernetes Service Traefik routed to ("" when no route matched)
	backend string // NS/POD at the address Traefik sent the request to
	status  int
}

// probeHeaderKey is the access log field of ckadlab's marker header.
const probeHeaderKey = "request_X-Ckadlab-Probe"

// traefikLog finds the access log entry of the request carrying marker,
// sent at about since to one of the controller pods. Traefik writes the
// entry when the response is done, so it is normally there at once; it is
// looked for up to 3 s.
func (b *Backend) traefikLog(ctx context.Context, snap *snapshot, pods []*corev1.Pod, marker string, since time.Time) (accessEntry, bool, error) {
	if len(pods) == 0 {
		return accessEntry{}, false, nil
	}
	sinceTime := metav1.NewTime(since.Add(-2 * time.Second))
	deadline := time.Now().Add(3 * time.Second)
	for {
		for _, p := range pods {
			raw, err := b.c.Kube.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{SinceTime: &sinceTime}).DoRaw(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return accessEntry{}, false, ctx.Err()
				}
				continue
			}
			if e, ok := findAccess(raw, marker, snap); ok {
				return e, true, nil
			}
		}
		if time.Now().After(deadline) {
			return accessEntry{}, false, nil
		}
		select {
		case <-ctx.Done():
			return accessEntry{}, false, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func findAccess(raw []byte, marker string, snap *snapshot) (accessEntry, bool) {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(marker)) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			continue
		}
		if v, _ := m[probeHeaderKey].(string); v != marker {
			found := false
			for k, v := range m {
				if s, ok := v.(string); ok && s == marker && strings.EqualFold(k, probeHeaderKey) {
					found = true
				}
			}
			if !found {
				continue
			}
		}
		var e accessEntry
		if st, ok := m["DownstreamStatus"].(float64); ok {
			e.status = int(st)
		}
		ns, _ := m["KubernetesIngressNamespace"].(string)
		svc, _ := m["KubernetesServiceName"].(string)
		if ns != "" && svc != "" {
			e.service = ns + "/" + svc
		}
		if addr, _ := m["ServiceAddr"].(string); addr != "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			if ip, err := netip.ParseAddr(host); err == nil {
				if p := snap.model.PodAt(ip); p != nil {
					e.backend = p.Namespace + "/" + p.Name
				}
			}
		}
		return e, true
	}
	return accessEntry{}, false
}
