package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
)

// liveRead is one read of a probe's live verdict.
type liveRead struct {
	obs     Observation
	outcome probe.Outcome
	status  int
	service string
	backend string
	detail  string
}

func (r liveRead) same(o liveRead) bool {
	return r.outcome == o.outcome && r.status == o.status && r.service == o.service
}

// Probe sends the probe's traffic and reports what happened, with the
// offline model's prediction for the same objects.
func (b *Backend) Probe(ctx context.Context, spec probe.Spec) (probe.Result, error) {
	ext, extAddr, extErr := b.opts.Outside.External(ctx)
	snap, err := b.snapshotFor(ctx, extAddr)
	if err != nil {
		return probe.Result{}, err
	}
	rt, err := snap.model.Route(spec)
	if err != nil {
		return probe.Result{}, err
	}
	pl, err := b.plan(ctx, snap, spec, rt, ext, extErr)
	if err != nil {
		return probe.Result{}, err
	}
	var res probe.Result
	if pl.noTraffic != nil {
		res = *pl.noTraffic
	} else {
		// Only when a NetworkPolicy applies can packets that vanish be a
		// policy's doing.
		involved := rt.Policed
		r, reads, stable, err := b.poll(ctx, snap, pl, involved)
		if err != nil {
			return probe.Result{}, err
		}
		res = b.result(spec, pl, r, reads, stable)
		if involved {
			enf, err := b.enforced(ctx)
			if err == nil && !enf {
				res.Ungradable = "cannot be graded live here: this cluster's network plugin does not enforce NetworkPolicy (ckadlab's self-test: a deny-all policy did not block traffic), and a NetworkPolicy applies to this traffic"
			}
		}
		if res.Ungradable == "" {
			if res, err = b.converge(ctx, snap, spec, pl, rt.Result, res, reads); err != nil {
				return probe.Result{}, err
			}
		}
	}
	attachPrediction(&res, rt.Result)
	return res, nil
}

// The notes converge adds to a probe's reasons begin with these.
const (
	NoteCaughtUp     = "note: the first reads saw "
	NoteStillDiffers = "note: ckadlab read again for "
)

// converge reads again while the live verdict differs from the model's
// (one it is sure of) for at most Options.Converge: the data plane applies
// a change some time after the API has it (the ingress controller
// rebuilds its routes, kube-proxy programs a new node port), and a busy
// node or a change the snapshot cannot see (a deleted Ingress) can make
// that longer than the settle wait. The verdict stays what the cluster
// does: a difference that outlasts the wait is reported as it is, and a
// note says that ckadlab read again.
func (b *Backend) converge(ctx context.Context, snap *snapshot, spec probe.Spec, pl *plan, pred, res probe.Result, reads int) (probe.Result, error) {
	if pred.Ungradable != "" || !differs(pred, res) {
		return res, nil
	}
	first := describeVerdict(res.Outcome, res.HTTPStatus, res.Service)
	start := time.Now()
	for time.Since(start) < b.opts.Converge {
		select {
		case <-ctx.Done():
			return probe.Result{}, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		r, n, stable, err := b.poll(ctx, snap, pl, pl.route.Policed)
		if err != nil {
			return probe.Result{}, err
		}
		reads += n
		res = b.result(spec, pl, r, reads, stable)
		if !differs(pred, res) {
			res.Reasons = append(res.Reasons, fmt.Sprintf(NoteCaughtUp+"%s; the cluster's network caught up with its objects %.1fs later (ckadlab reads again while the live verdict differs from the model's, up to %s)", first, time.Since(start).Seconds(), b.opts.Converge))
			return res, nil
		}
	}
	res.Reasons = append(res.Reasons, fmt.Sprintf(NoteStillDiffers+"%s, as the live verdict differed from the model's: it still does", b.opts.Converge))
	return res, nil
}

// differs reports whether a live result differs from the model's.
func differs(pred, res probe.Result) bool {
	return pred.Allowed != res.Allowed || pred.Outcome != res.Outcome ||
		(pred.HTTPStatus != 0 && res.HTTPStatus != 0 && pred.HTTPStatus != res.HTTPStatus) ||
		(pred.Service != "" && res.Service != "" && pred.Service != res.Service)
}

// attachPrediction records the model's verdict and flags a disagreement.
// A model that cannot grade the probe (Ungradable: a Traefik annotation it
// does not simulate, a container whose ports it cannot tell) only guessed:
// a live verdict that differs is no disagreement, and a note says why the
// model could not tell.
func attachPrediction(res *probe.Result, pred probe.Result) {
	res.Prediction = describeVerdict(pred.Outcome, pred.HTTPStatus, pred.Service)
	// Near misses are read from the objects, live as offline.
	res.NearMisses = pred.NearMisses
	differs := differs(pred, *res)
	if pred.Ungradable != "" {
		why := strings.ReplaceAll(pred.Ungradable, netmodel.UngradableSuffix, "")
		if !differs {
			leadWithCause(res, pred)
			res.Reasons = append(res.Reasons, pred.Reasons...)
			res.Reasons = append(res.Reasons, "note: the offline model predicted the same ("+res.Prediction+") but only as a guess: "+why)
			return
		}
		res.Reasons = append(res.Reasons, "note: the offline model guessed "+res.Prediction+", but it cannot grade this probe: "+why)
		for _, r := range pred.Reasons {
			res.Reasons = append(res.Reasons, "model (a guess): "+r)
		}
		return
	}
	res.Disagrees = differs
	if res.Disagrees {
		res.Reasons = append(res.Reasons, "the offline model predicted "+res.Prediction+" for these objects: "+firstOr(pred.Reasons, ""))
		for _, r := range pred.Reasons[min(1, len(pred.Reasons)):] {
			res.Reasons = append(res.Reasons, "model: "+r)
		}
		return
	}
	// The model explains why (which policy, which rule, which route).
	leadWithCause(res, pred)
	res.Reasons = append(res.Reasons, pred.Reasons...)
}

// leadWithCause sets the cause of a live result the model agrees with:
// the live verdict, then what decided it in the model (the model's
// cause). The rest (how the probe was sent, the model's path) is folded.
func leadWithCause(res *probe.Result, pred probe.Result) {
	if len(pred.Cause) == 0 || len(res.Reasons) == 0 {
		return
	}
	res.Cause = append([]string{res.Reasons[0]}, pred.Cause...)
	res.NoBackend = pred.NoBackend
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

func describeVerdict(o probe.Outcome, status int, svc string) string {
	s := string(o)
	var extra []string
	if status != 0 {
		extra = append(extra, "HTTP "+strconv.Itoa(status))
	}
	if svc != "" && (o == probe.Connected || o == probe.HTTPError) {
		extra = append(extra, "via Service "+svc)
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// poll reads the live verdict until two consecutive reads agree, within
// the window. A silent drop that no NetworkPolicy explains is suspicious
// (a node that has not yet programmed a new Service, a pod that just
// started): it must be seen three times in a row, over at least two
// seconds.
func (b *Backend) poll(ctx context.Context, snap *snapshot, pl *plan, involved bool) (liveRead, int, bool, error) {
	start := time.Now()
	deadline := start.Add(b.opts.Window)
	var prev *liveRead
	agree, n := 0, 0
	for repeat := 2; ; repeat = 1 {
		rs, err := b.read(ctx, snap, pl, involved, repeat)
		if err != nil {
			return liveRead{}, n, false, err
		}
		for _, r := range rs {
			n++
			if prev != nil && prev.same(r) {
				agree++
			} else {
				agree = 1
			}
			prev = &r
		}
		r := *prev
		need := 2
		if (r.obs.TimedOut || r.obs.NoDNSAnswer) && !involved {
			// silence no NetworkPolicy explains (packets, or a DNS
			// answer): a busy node must not make it a verdict
			need = 3
		}
		if agree >= need && (need == 2 || time.Since(start) >= 2*time.Second) {
			return r, n, true, nil
		}
		if time.Now().After(deadline) || n >= 8 {
			return r, n, false, nil
		}
		select {
		case <-ctx.Done():
			return liveRead{}, n, false, ctx.Err()
		case <-time.After(150 * time.Millisecond):
		}
	}
}

// read sends the probe repeat times in a row (in one command).
func (b *Backend) read(ctx context.Context, snap *snapshot, pl *plan, involved bool, repeat int) ([]liveRead, error) {
	att := pl.att
	att.Repeat = repeat
	if pl.ingress {
		att.Marker = newMarker()
	}
	sent := time.Now()
	var wg sync.WaitGroup
	var idObs []Observation
	var idErr error
	if pl.identify != nil {
		id := *pl.identify
		id.Repeat = repeat
		wg.Add(1)
		go func() {
			defer wg.Done()
			idObs, idErr = b.send(ctx, pl, id)
		}()
	}
	obs, err := b.send(ctx, pl, att)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	out := make([]liveRead, len(obs))
	for k, o := range obs {
		r := liveRead{obs: o, outcome: o.Outcome, status: o.Status, detail: o.Detail}
		if o.TimedOut {
			r.outcome = probe.Unreachable
			if involved {
				r.outcome = probe.Denied
			}
		}
		if svc := pl.route.Service; svc != nil && !pl.ingress && r.outcome == probe.Connected {
			r.service = svc.Namespace + "/" + svc.Name
		}
		if idErr == nil && k < len(idObs) && idObs[k].Outcome == probe.Connected && idObs[k].Status == 200 {
			if p := podNamed(pl.route.Reach, idObs[k].Body); p != nil {
				r.backend = p.Namespace + "/" + p.Name
			}
		}
		if pl.ingress && r.outcome == probe.Connected {
			e, ok, err := b.traefikLog(ctx, snap, pl.controllers(), att.run(k).Marker, sent)
			if err != nil {
				return nil, err
			}
			if ok {
				r.service, r.backend = e.service, e.backend
			}
			switch r.status {
			case 502, 503:
				// Traefik could not connect to the backend (refused) or
				// the Service has no endpoints.
				r.outcome = probe.Refused
			case 504:
				r.outcome = probe.Unreachable
				if involved {
					r.outcome = probe.Denied
				}
			}
		}
		out[k] = r
	}
	return out, nil
}

// send sends one attempt from the plan's source: straight to a probe
// agent (every probe is a line on an open stream), batched with the
// source's other attempts for a command sender.
func (b *Backend) send(ctx context.Context, pl *plan, a Attempt) ([]Observation, error) {
	if _, direct := pl.sender.(interface{ direct() }); !direct {
		return b.batch.do(ctx, pl.key, pl.sender, a)
	}
	obs, err := pl.sender.Send(ctx, []Attempt{a})
	if err != nil {
		return nil, err
	}
	return obs[0], nil
}

// podNamed finds the pod a /hostname answer names among the pods the
// traffic may reach.
func podNamed(pods []*corev1.Pod, name string) *corev1.Pod {
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, " \n/") {
		return nil
	}
	for _, p := range pods {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func newMarker() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// result turns the stable read into a probe.Result, applying the probe's
// HTTP expectation.
func (b *Backend) result(spec probe.Spec, pl *plan, r liveRead, reads int, stable bool) probe.Result {
	res := probe.Result{Outcome: r.outcome, Service: r.service, Backend: r.backend, HTTPStatus: r.status}
	if r.outcome != probe.Connected {
		res.Service, res.Backend = "", ""
	}
	summary := b.summary(pl, r)
	if h := spec.HTTP; h != nil && r.outcome == probe.Connected {
		switch {
		case h.Status != 0 && r.status != h.Status:
			res.Outcome = probe.HTTPError
			summary += fmt.Sprintf(" HTTP check failed: expected status %d, got %d.", h.Status, r.status)
		case h.Service != "" && r.service != h.Service:
			res.Outcome = probe.HTTPError
			got := r.service
			if got == "" {
				got = "no Service"
			}
			summary += fmt.Sprintf(" HTTP check failed: expected the answer from Service %s, but it came from %s.", h.Service, got)
		}
	}
	res.Allowed = res.Outcome == probe.Connected
	if stable {
		summary += fmt.Sprintf(" (%d reads, the last ones agree)", reads)
	} else {
		summary += fmt.Sprintf(" (unstable: %d reads in %s never agreed twice in a row; this is the last one)", reads, b.opts.Window)
	}
	res.Reasons = append([]string{summary}, pl.notes...)
	return res
}

func (b *Backend) summary(pl *plan, r liveRead) string {
	what := pl.att.String()
	if pl.ingress {
		what = fmt.Sprintf("GET http://%s%s through the ingress controller at %s", pl.att.HTTPHost, pl.att.Path, pl.att.addr())
	}
	s := fmt.Sprintf("Live: %s from %s: ", what, pl.from)
	switch r.outcome {
	case probe.Connected:
		s += "connected"
		if r.status != 0 {
			s += fmt.Sprintf(", HTTP %d", r.status)
		}
		if r.service != "" {
			s += ", Service " + r.service
		}
		if r.backend != "" {
			s += ", answered by " + r.backend
		}
		s += "."
	case probe.Denied:
		if r.obs.TimedOut {
			s += fmt.Sprintf("no answer within %s: the packets are dropped, and a NetworkPolicy applies to this traffic.", pl.att.Timeout)
		} else {
			s += fmt.Sprintf("the ingress controller answered %d: its connection to the backend was dropped.", r.status)
		}
	case probe.Unreachable:
		if r.obs.TimedOut {
			s += fmt.Sprintf("no answer within %s (no route, and no NetworkPolicy applies).", pl.att.Timeout)
		} else {
			s += "unreachable: " + r.detail + "."
		}
	case probe.Refused:
		if pl.ingress {
			s += fmt.Sprintf("the ingress controller answered %d (no backend accepted the connection).", r.status)
		} else {
			s += "connection refused (" + r.detail + ")."
		}
	case probe.Unresolved:
		s += "the name does not resolve (" + r.detail + ")."
	default:
		s += string(r.outcome) + "."
	}
	return s
}
