package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
)

// fallBackToSPDY reports whether the WebSocket executor failed in a way
// that the SPDY executor may not: the server cannot upgrade to WebSockets,
// or an HTTPS proxy is in the way. client-go's transports report these
// with the k8s.io/streaming error types (the deprecated apimachinery
// copies are other types, which errors.As does not match).
func fallBackToSPDY(err error) bool {
	return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
}

// ExecResult is what a command printed and how it exited.
type ExecResult struct {
	Stdout   string
	Stderr   string
	ExitCode int
}

// Runner runs a command where probes start: in a container of a pod, or
// in a container outside the cluster.
type Runner interface {
	// Run runs argv and returns its output; the error is for a command
	// that could not run at all (not for a non-zero exit).
	Run(ctx context.Context, argv []string) (ExecResult, error)
	// Shell reports whether argv may be ["sh", "-c", script] (a POSIX sh
	// with mkdir, cat and rm, and a writable /tmp): probes are then
	// batched into one command.
	Shell() bool
	// String names where commands run, for messages.
	String() string
}

// podRunner runs commands in a pod's container through the API server's
// exec subresource: client-go's WebSocket executor, falling back to SPDY
// when the server cannot upgrade to WebSockets (as kubectl does).
type podRunner struct {
	c         *Clients
	namespace string
	pod       string
	container string
	shell     bool
}

func (r *podRunner) String() string {
	return fmt.Sprintf("pod %s/%s (container %s)", r.namespace, r.pod, r.container)
}

func (r *podRunner) Shell() bool { return r.shell }

// Namespace is the pod's namespace.
func (r *podRunner) Namespace() string { return r.namespace }

func (r *podRunner) Run(ctx context.Context, argv []string) (ExecResult, error) {
	var stdout bytes.Buffer
	res, err := r.Stream(ctx, argv, nil, &stdout)
	res.Stdout = stdout.String()
	return res, err
}

// Stream runs argv with stdin (nil: none) and stdout attached.
func (r *podRunner) Stream(ctx context.Context, argv []string, stdin io.Reader, stdout io.Writer) (ExecResult, error) {
	req := r.c.Kube.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(r.namespace).Name(r.pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: r.container,
			Command:   argv,
			Stdin:     stdin != nil,
			Stdout:    true,
			Stderr:    true,
		}, scheme.ParameterCodec)
	spdy, err := remotecommand.NewSPDYExecutor(r.c.Config, "POST", req.URL())
	if err != nil {
		return ExecResult{}, err
	}
	ws, err := remotecommand.NewWebSocketExecutor(r.c.Config, "GET", req.URL().String())
	if err != nil {
		return ExecResult{}, err
	}
	exec, err := remotecommand.NewFallbackExecutor(ws, spdy, fallBackToSPDY)
	if err != nil {
		return ExecResult{}, err
	}
	stderr := &capped{max: 64 << 10}
	err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr})
	res := ExecResult{Stderr: stderr.String()}
	var exitErr utilexec.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &exitErr) && exitErr.Exited():
		res.ExitCode = exitErr.ExitStatus()
		return res, nil
	}
	return res, fmt.Errorf("exec in %s: %w", r, err)
}

// capped keeps the first max bytes written to it.
type capped struct {
	max int
	b   bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.b.Len(); room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string { return c.b.String() }
