package offline

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/netip"
	"strconv"
	"time"

	"github.com/ckadlab/ckadlab/manifest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// This file holds the deterministic stand-ins for what a real cluster does
// at random: names, UIDs, ClusterIPs, node ports and pod IPs.

// epoch is the creation time of the cluster; objects are created one
// second apart, in creation order.
var epoch = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

func secondsOf(seq int) time.Duration { return time.Duration(seq) * time.Second }

func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// uid is a UUID derived from the object's identity.
func uid(kind, ns, name string, seq int) types.UID {
	sum := sha1.Sum([]byte(kind + "/" + ns + "/" + name + "/" + strconv.Itoa(seq)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// safeAlphabet is the alphabet Kubernetes uses for generated names (no
// vowels, no confusable characters).
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// randString is a deterministic stand-in for the 5-character suffix of
// generated names.
func randString(n int, parts ...string) string {
	h := hash64(parts...)
	b := make([]byte, n)
	for i := range b {
		b[i] = safeAlphabet[h%uint64(len(safeAlphabet))]
		h /= uint64(len(safeAlphabet))
		if h == 0 {
			h = hash64(append(parts, strconv.Itoa(i))...)
		}
	}
	return string(b)
}

// templateHash is the pod-template-hash of a pod template: 10 characters,
// like the Deployment controller's (the decimal digits of a hash mapped to
// the safe alphabet).
func templateHash(v any) string {
	j, _ := json.Marshal(v)
	h := hash64(string(j)) % 10_000_000_000
	digits := fmt.Sprintf("%010d", h)
	b := []byte(digits)
	for i, d := range b {
		b[i] = safeAlphabet[int(d)%len(safeAlphabet)]
	}
	return string(b)
}

// generateName is what the API server makes of generateName base: the base
// cut to leave room for the 5-character suffix.
func generateName(base string, parts ...string) string {
	const maxBase = 63 - 5
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	return base + randString(5, parts...)
}

var (
	servicePrefix = netip.MustParsePrefix(ServiceCIDR)
	podPrefix     = netip.MustParsePrefix(PodCIDR)
)

// The allocators, like the API server's, keep the low end of each range
// (the "static band") for values users ask for, and hand out values from
// the rest first.
const (
	serviceRangeSize  = 1<<16 - 2 // 10.96.0.1 - 10.96.255.254
	serviceStaticBand = 256
	nodePortRangeSize = NodePortMax - NodePortMin + 1
	nodePortStatic    = 86 // 30000-30085
)

func serviceIPAt(offset int) netip.Addr {
	b := servicePrefix.Addr().As4()
	v := binary.BigEndian.Uint32(b[:]) + uint32(offset)
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// allocateServiceIP picks a free ClusterIP for ns/name: hashed into the
// dynamic band, the next free one on collision, the static band last.
func allocateServiceIP(ns, name string, used map[netip.Addr]string) (netip.Addr, bool) {
	dyn := serviceRangeSize - serviceStaticBand
	start := int(hash64("clusterip", ns, name) % uint64(dyn))
	for i := 0; i < dyn; i++ {
		ip := serviceIPAt(serviceStaticBand + 1 + (start+i)%dyn)
		if _, taken := used[ip]; !taken {
			return ip, true
		}
	}
	for off := 1; off <= serviceStaticBand; off++ {
		if ip := serviceIPAt(off); used[ip] == "" {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

func allocateNodePort(seed string, used map[nodePortKey]string, proto corev1.Protocol) (int32, bool) {
	dyn := nodePortRangeSize - nodePortStatic
	start := int(hash64("nodeport", seed) % uint64(dyn))
	for i := 0; i < dyn; i++ {
		p := int32(NodePortMin + nodePortStatic + (start+i)%dyn)
		if _, taken := used[nodePortKey{proto, p}]; !taken {
			return p, true
		}
	}
	for p := int32(NodePortMin); p < NodePortMin+nodePortStatic; p++ {
		if _, taken := used[nodePortKey{proto, p}]; !taken {
			return p, true
		}
	}
	return 0, false
}

type nodePortKey struct {
	proto corev1.Protocol
	port  int32
}

func serviceIPRangeCheck(ip netip.Addr) bool {
	if !servicePrefix.Contains(ip) {
		return false
	}
	off := ip.As4()
	base := servicePrefix.Addr().As4()
	d := binary.BigEndian.Uint32(off[:]) - binary.BigEndian.Uint32(base[:])
	return d >= 1 && d <= serviceRangeSize
}

// allocate gives the Services of the transaction their ClusterIPs and node
// ports, as the API server's allocators do: values a Service already had
// are kept, values a manifest asks for must be in range and free ("provided
// port is already allocated"), the rest are allocated. It also checks that
// no two pods ask for the same status.podIP.
func (t *txn) allocate() manifest.ErrorList {
	var errs manifest.ErrorList
	usedIP := map[netip.Addr]string{}
	usedNP := map[nodePortKey]string{}
	var fresh []key
	t.each("Service", func(k key, r *record, isNew bool) {
		if isNew {
			fresh = append(fresh, k)
			return
		}
		s := r.obj.(*corev1.Service)
		if ip, err := netip.ParseAddr(s.Spec.ClusterIP); err == nil {
			usedIP[ip] = k.ns + "/" + k.name
		}
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 {
				usedNP[nodePortKey{p.Protocol, p.NodePort}] = k.ns + "/" + k.name
			}
		}
	})
	old := func(k key) *corev1.Service {
		if r, ok := t.c.objs[k]; ok {
			return r.obj.(*corev1.Service)
		}
		return nil
	}
	kept := func(o *corev1.Service, p corev1.ServicePort) bool {
		if o == nil {
			return false
		}
		for _, op := range o.Spec.Ports {
			if op.NodePort == p.NodePort && op.Protocol == p.Protocol {
				return true
			}
		}
		return false
	}
	// Values the Services already had.
	for _, k := range fresh {
		s, o := t.pending[k].obj.(*corev1.Service), old(k)
		owner := k.ns + "/" + k.name
		if o != nil && s.Spec.ClusterIP != "" && s.Spec.ClusterIP == o.Spec.ClusterIP {
			if ip, err := netip.ParseAddr(s.Spec.ClusterIP); err == nil {
				usedIP[ip] = owner
			}
		}
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 && kept(o, p) {
				usedNP[nodePortKey{p.Protocol, p.NodePort}] = owner
			}
		}
	}
	// Values the manifests ask for.
	for _, k := range fresh {
		r := t.pending[k]
		s, o := r.obj.(*corev1.Service), old(k)
		owner := k.ns + "/" + k.name
		src := r.src
		if s.Spec.Type != corev1.ServiceTypeExternalName && s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone &&
			(o == nil || s.Spec.ClusterIP != o.Spec.ClusterIP) {
			ip, _ := netip.ParseAddr(s.Spec.ClusterIP)
			p := field.NewPath("spec", "clusterIPs")
			switch {
			case !serviceIPRangeCheck(ip):
				fe := field.Invalid(p, []string{s.Spec.ClusterIP}, fmt.Sprintf("failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", s.Spec.ClusterIP, s.Spec.ClusterIP, ServiceCIDR))
				errs = append(errs, src.Errorf("spec.clusterIP", "%s", fe.Error()))
			case usedIP[ip] != "":
				fe := field.Invalid(p, []string{s.Spec.ClusterIP}, fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", s.Spec.ClusterIP))
				errs = append(errs, src.Errorf("spec.clusterIP", "%s (to Service %s)", fe.Error(), usedIP[ip]))
			default:
				usedIP[ip] = owner
			}
		}
		for i, p := range s.Spec.Ports {
			if p.NodePort == 0 || kept(o, p) {
				continue
			}
			path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
			nk := nodePortKey{p.Protocol, p.NodePort}
			if other := usedNP[nk]; other != "" {
				fe := field.Invalid(path, p.NodePort, "provided port is already allocated")
				errs = append(errs, src.Errorf(path.String(), "%s (to Service %s)", fe.Error(), other))
				continue
			}
			usedNP[nk] = owner
		}
	}
	if len(errs) > 0 {
		return errs
	}
	// Allocation of the rest.
	for _, k := range fresh {
		s := t.pending[k].obj.(*corev1.Service)
		owner := k.ns + "/" + k.name
		switch {
		case s.Spec.Type == corev1.ServiceTypeExternalName:
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.IPFamilies, s.Spec.IPFamilyPolicy = "", nil, nil, nil
		default:
			if s.Spec.ClusterIP == "" {
				ip, ok := allocateServiceIP(k.ns, k.name, usedIP)
				if !ok {
					errs = append(errs, t.pending[k].src.Errorf("spec", "Internal error occurred: failed to allocate a serviceIP: range is full"))
					continue
				}
				usedIP[ip] = owner
				s.Spec.ClusterIP = ip.String()
			}
			s.Spec.ClusterIPs = []string{s.Spec.ClusterIP}
			s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
			single := corev1.IPFamilyPolicySingleStack
			s.Spec.IPFamilyPolicy = &single
		}
		if !needsNodePorts(s) {
			continue
		}
		for i := range s.Spec.Ports {
			p := &s.Spec.Ports[i]
			if p.NodePort != 0 {
				continue
			}
			np, ok := allocateNodePort(fmt.Sprintf("%s/%s/%d/%s", k.ns, k.name, p.Port, p.Protocol), usedNP, p.Protocol)
			if !ok {
				errs = append(errs, t.pending[k].src.Errorf(fmt.Sprintf("spec.ports[%d]", i), "Internal error occurred: failed to allocate a nodePort: range is full"))
				continue
			}
			usedNP[nodePortKey{p.Protocol, np}] = owner
			p.NodePort = np
		}
	}
	errs = append(errs, t.checkPodIPs()...)
	return errs
}

// checkPodIPs rejects two pods that ask for the same status.podIP.
func (t *txn) checkPodIPs() manifest.ErrorList {
	var errs manifest.ErrorList
	used := map[string]string{}
	t.each("Pod", func(k key, r *record, isNew bool) {
		p := r.obj.(*corev1.Pod)
		if p.Status.PodIP == "" || p.Spec.HostNetwork {
			return
		}
		if other, dup := used[p.Status.PodIP]; dup && isNew {
			fe := field.Invalid(field.NewPath("status", "podIP"), p.Status.PodIP, "already the IP of pod "+other)
			errs = append(errs, r.src.Errorf("status.podIP", "%s", fe.Error()))
			return
		}
		used[p.Status.PodIP] = k.ns + "/" + k.name
	})
	return errs
}

// podIPAllocator hands out pod IPs from the pod CIDR: 10.244.0.2 onwards
// (each /24 skips .0, .1 and .255, as the node's IPAM does).
type podIPAllocator struct {
	used map[netip.Addr]bool
	next netip.Addr
}

func newPodIPAllocator() *podIPAllocator {
	return &podIPAllocator{used: map[netip.Addr]bool{}, next: podPrefix.Addr()}
}

func usablePodIP(ip netip.Addr) bool {
	last := ip.As4()[3]
	return last != 0 && last != 1 && last != 255
}

func (a *podIPAllocator) take(ip netip.Addr) { a.used[ip] = true }

// free reports whether ip may be given to a pod (sticky IPs from an earlier
// run are kept only when nobody else holds them).
func (a *podIPAllocator) free(ip netip.Addr) bool {
	return podPrefix.Contains(ip) && usablePodIP(ip) && !a.used[ip]
}

func (a *podIPAllocator) allocate() (netip.Addr, bool) {
	for ip := a.next; podPrefix.Contains(ip); ip = ip.Next() {
		if usablePodIP(ip) && !a.used[ip] {
			a.used[ip] = true
			a.next = ip.Next()
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// hasSpec says whether objects of this type carry a generation.
func hasSpec(obj runtime.Object) bool {
	switch obj.(type) {
	//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
	case *corev1.ConfigMap, *corev1.Secret, *corev1.ServiceAccount, *corev1.Endpoints, *corev1.Namespace:
		return false
	}
	return true
}

// specChanged compares the spec of two objects of the same type.
func specChanged(a, b runtime.Object) bool {
	ja, _ := json.Marshal(specOf(a))
	jb, _ := json.Marshal(specOf(b))
	return string(ja) != string(jb)
}

func specOf(obj runtime.Object) any {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(j, &m) != nil {
		return nil
	}
	delete(m, "metadata")
	delete(m, "status")
	return m
}
