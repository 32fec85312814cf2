//go:build unix

package classroom

import "syscall"

// noFollow: opening a lab file never follows a symbolic link, and never
// waits for a named pipe's writer.
const noFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
