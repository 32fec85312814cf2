package tui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	tea "github.com/charmbracelet/bubbletea"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/sigctl"
	"github.com/ckadlab/ckadlab/state"
)

// handoffKind is what the terminal is handed to.
type handoffKind int

const (
	handoffShell handoffKind = iota + 1
	handoffEditor
)

// AnswerFile is the file the editor key opens in a lab's workspace.
const AnswerFile = "answer.yaml"

// Hand-off messages: a prepared shell or editor, then its end. from is
// the screen that asked; both messages are its own.
type (
	handoffReadyMsg struct {
		from   screenID
		kind   handoffKind
		lab    *labs.Lab
		cmd    *exec.Cmd
		banner string
		err    error
	}
	handoffDoneMsg struct {
		from screenID
		kind handoffKind
		lab  *labs.Lab
		err  error
	}
)

func (m handoffReadyMsg) owner() screenID { return m.from }
func (m handoffDoneMsg) owner() screenID  { return m.from }

// prepareHandoff starts the lab when needed (see ensureStarted) and builds the
// shell or editor process (looking the program up is I/O, so it happens
// here, in a command).
func prepareHandoff(c *common, kind handoffKind, l *labs.Lab, from screenID) tea.Cmd {
	cfg, cluster, ctx, log := c.cfg, c.cluster, c.ctx, c.log
	return func() tea.Msg {
		ws := cfg.Dirs.Workspace(l.ID)
		if cfg.Session == nil {
			return handoffReadyMsg{from: from, kind: kind, lab: l, err: errors.New("no session configured")}
		}
		if err := ensureStarted(ctx, cfg.Session, l, log); err != nil {
			return handoffReadyMsg{from: from, kind: kind, lab: l, err: err}
		}
		if cluster.Kubeconfig != "" {
			// A live cluster: the shell's kubectl lands in the lab's namespace.
			path, err := labKubeconfig(cluster.Kubeconfig, cluster.Context, l.Namespace, ws)
			if err != nil {
				log.Error("kubeconfig for the shell", "lab", l.ID, "err", err)
				return handoffReadyMsg{from: from, kind: kind, lab: l, err: err}
			}
			cluster.Kubeconfig = path
		}
		cmd, err := handoffCommand(kind, l, ws, cfg.Environ, cluster)
		if err != nil {
			log.Error("hand-off", "lab", l.ID, "err", err)
		} else {
			log.Info("hand-off", "lab", l.ID, "program", cmd.Path, "dir", cmd.Dir)
		}
		msg := handoffReadyMsg{from: from, kind: kind, lab: l, cmd: cmd, err: err}
		if kind == handoffShell {
			msg.banner = handoffBanner(l, ws, cluster)
		}
		return msg
	}
}

// handoffReady runs a prepared process, or says why there is none.
func handoffReady(msg handoffReadyMsg) tea.Cmd {
	if msg.err != nil {
		return flash(msg.err.Error(), true)
	}
	return runHandoff(msg)
}

// handoffCommand builds the shell ($SHELL, else /bin/sh) or the editor
// ($VISUAL, else $EDITOR, else vi, on answer.yaml) for a lab, running in
// its workspace with handoffEnv.
func handoffCommand(kind handoffKind, l *labs.Lab, ws string, environ []string, cluster ClusterStatus) (*exec.Cmd, error) {
	env := handoffEnv(environ, l, ws, cluster)
	var argv []string
	switch kind {
	case handoffShell:
		argv = []string{orText(lookupEnv(environ, "SHELL"), "/bin/sh")}
	case handoffEditor:
		ed := orText(lookupEnv(environ, "VISUAL"), lookupEnv(environ, "EDITOR"))
		argv = strings.Fields(ed)
		if len(argv) == 0 {
			argv = []string{"vi"}
		}
		argv = append(argv, filepath.Join(ws, AnswerFile))
	default:
		return nil, fmt.Errorf("unknown hand-off %d", kind)
	}
	path, err := lookPath(argv[0], env)
	if err != nil {
		if kind == handoffShell {
			return nil, fmt.Errorf("cannot start the shell %q (set $SHELL): %v", argv[0], err)
		}
		return nil, fmt.Errorf("cannot start the editor %q (set $EDITOR or $VISUAL): %v", argv[0], err)
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Dir = ws
	cmd.Env = env
	return cmd, nil
}

// lookPath finds a program on the PATH of env (not of this process, which
// may differ in tests).
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		fi, err := os.Stat(name)
		if err != nil {
			return "", err
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s is not an executable file", name)
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(lookupEnv(env, "PATH")) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found on PATH", name)
}

// handoffEnv is the environment of the shell and editor: the app's, with
// CKADLAB_LAB, CKADLAB_NAMESPACE and CKADLAB_WORKSPACE, a prompt that says
// which lab you are in, and KUBECONFIG pointing at the lab cluster — or
// removed for the offline cluster, which has no API server (so a kubectl
// there cannot touch some other cluster by accident).
func handoffEnv(environ []string, l *labs.Lab, ws string, cluster ClusterStatus) []string {
	drop := map[string]bool{"KUBECONFIG": true, "CKADLAB_LAB": true, "CKADLAB_NAMESPACE": true,
		"CKADLAB_WORKSPACE": true, "PS1": true}
	env := make([]string, 0, len(environ)+5)
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env,
		"CKADLAB_LAB="+l.ID,
		"CKADLAB_NAMESPACE="+l.Namespace,
		"CKADLAB_WORKSPACE="+ws,
		"PS1=(ckadlab "+l.ID+") $ ",
	)
	if cluster.Kubeconfig != "" {
		env = append(env, "KUBECONFIG="+cluster.Kubeconfig)
	}
	return env
}

func lookupEnv(environ []string, key string) string {
	v := ""
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val // the last one wins, as in exec
		}
	}
	return v
}

// labKubeconfig writes a kubeconfig for the shell of a lab on a live
// cluster: only the cluster's context (with its cluster and user), as the
// current context, with the lab's namespace, in <workspace>/.kube/config
// (mode 0600; not an answer file). kubeconfig may list several files
// (separated like $KUBECONFIG); context "" means their current context.
func labKubeconfig(kubeconfig, context, namespace, ws string) (string, error) {
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(kubeconfig)}
	raw, err := rules.Load()
	if err != nil {
		return "", fmt.Errorf("read the kubeconfig %s: %w", kubeconfig, err)
	}
	name := context
	if name == "" {
		name = raw.CurrentContext
	}
	kc, ok := raw.Contexts[name]
	if !ok || name == "" {
		return "", fmt.Errorf("the kubeconfig %s has no context %q", kubeconfig, name)
	}
	out := clientcmdapi.NewConfig()
	c := kc.DeepCopy()
	c.Namespace = namespace
	out.Contexts[name] = c
	if cl, ok := raw.Clusters[kc.Cluster]; ok {
		out.Clusters[kc.Cluster] = cl.DeepCopy()
	}
	if au, ok := raw.AuthInfos[kc.AuthInfo]; ok {
		out.AuthInfos[kc.AuthInfo] = au.DeepCopy()
	}
	out.CurrentContext = name
	data, err := clientcmd.Write(*out)
	if err != nil {
		return "", err
	}
	path := filepath.Join(ws, ".kube", "config")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	if err := state.WriteFileAtomic(path, data, 0o600); err != nil {
		return "", fmt.Errorf("write the shell's kubeconfig: %w", err)
	}
	return path, nil
}

// handoffBanner is printed before the shell starts.
func handoffBanner(l *labs.Lab, ws string, cluster ClusterStatus) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ckadlab: a shell in the workspace of lab %s (namespace %s)\n  %s\n", l.ID, l.Namespace, ws)
	if cluster.Kubeconfig == "" {
		b.WriteString("The offline cluster grades the YAML files in this folder. Write your answer here, e.g.\n")
		fmt.Fprintf(&b, "  kubectl create ... -n %s --dry-run=client -o yaml > %s\n", l.Namespace, AnswerFile)
		b.WriteString("(KUBECONFIG is unset here: there is no API server to talk to.)\n")
	} else {
		fmt.Fprintf(&b, "kubectl talks to the lab cluster (%s); your namespace is %s.\n", cluster.Context, l.Namespace)
	}
	b.WriteString("Type exit (or press ctrl+d) to return to ckadlab.\n\n")
	return b.String()
}

// handoffProcess is a prepared shell or editor: it prints a banner (shell
// only), then runs the process on the terminal.
type handoffProcess struct {
	cmd    *exec.Cmd
	banner string
}

func (h *handoffProcess) SetStdin(r io.Reader) {
	if h.cmd.Stdin == nil {
		h.cmd.Stdin = r
	}
}

func (h *handoffProcess) SetStdout(w io.Writer) {
	if h.cmd.Stdout == nil {
		h.cmd.Stdout = w
	}
}

func (h *handoffProcess) SetStderr(w io.Writer) {
	if h.cmd.Stderr == nil {
		h.cmd.Stderr = w
	}
}

// Run runs the process as a job of its own: in its own process group,
// given the terminal (the foreground group of the controlling terminal,
// whatever ckadlab's stdout and stderr are), so that Ctrl-C, Ctrl-\ and
// Ctrl-Z typed in a shell reach the shell and its commands, not ckadlab.
// Meanwhile ckadlab ignores SIGINT, SIGQUIT and SIGTSTP; afterwards it
// takes the terminal back. Without a controlling terminal the process
// runs in ckadlab's group, and the signals are still ignored.
func (h *handoffProcess) Run() error {
	if h.banner != "" && h.cmd.Stdout != nil {
		io.WriteString(h.cmd.Stdout, h.banner)
	}
	release := sigctl.Hold()
	defer release()
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil && foreground(tty) {
		defer tty.Close()
		if h.cmd.SysProcAttr == nil {
			h.cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		h.cmd.SysProcAttr.Setpgid = true
		h.cmd.SysProcAttr.Foreground = true
		h.cmd.SysProcAttr.Ctty = int(tty.Fd())
		// The shell's prompt and errors go to the terminal, not to where
		// ckadlab's stderr goes (ckadlab 2>log).
		if !isTerminal(h.cmd.Stderr) {
			h.cmd.Stderr = tty
		}
		defer takeTerminal(tty)
	}
	if err := h.cmd.Start(); err != nil {
		return err
	}
	// Ignored only once the process runs: an ignored signal stays ignored
	// across exec, and the shell's commands must get them.
	signal.Ignore(syscall.SIGQUIT, syscall.SIGTSTP)
	defer signal.Reset(syscall.SIGQUIT, syscall.SIGTSTP)
	return h.cmd.Wait()
}

// isTerminal reports whether w is a terminal device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// foreground reports whether ckadlab's process group is the foreground
// group of tty (it is not when it was started in the background, or when
// its input is not the terminal it has): only then is the terminal its to
// hand over.
func foreground(tty *os.File) bool {
	var pgrp int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, tty.Fd(), uintptr(syscall.TIOCGPGRP), uintptr(unsafe.Pointer(&pgrp)))
	if errno != 0 || int(pgrp) != syscall.Getpgrp() {
		tty.Close()
		return false
	}
	return true
}

// takeTerminal makes ckadlab's process group the foreground group of tty
// again. ckadlab is in the background until then, where changing the
// foreground group raises SIGTTOU: it is ignored meanwhile.
func takeTerminal(tty *os.File) {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	pgrp := int32(syscall.Getpgrp())
	syscall.Syscall(syscall.SYS_IOCTL, tty.Fd(), uintptr(syscall.TIOCSPGRP), uintptr(unsafe.Pointer(&pgrp)))
}

// runHandoff gives the terminal to the prepared process (the program is
// paused, like tea.ExecProcess) and reports back when it exits.
func runHandoff(msg handoffReadyMsg) tea.Cmd {
	p := &handoffProcess{cmd: msg.cmd, banner: msg.banner}
	return tea.Exec(p, func(err error) tea.Msg {
		// A shell's exit status is that of the last command typed in it,
		// not a failure of the hand-off.
		var ee *exec.ExitError
		if msg.kind == handoffShell && errors.As(err, &ee) {
			err = nil
		}
		return handoffDoneMsg{from: msg.from, kind: msg.kind, lab: msg.lab, err: err}
	})
}
