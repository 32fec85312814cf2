package labs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Limits of a lab file, checked before the TOML parser sees it: the parser
// and the key index cost memory with the nesting of the text, so a small
// hostile file could otherwise take gigabytes. Real labs are a few KiB and
// nest 5 or 6 levels deep.
const (
	// MaxLabFileSize is the largest lab file read, in bytes.
	MaxLabFileSize = 1 << 20
	// MaxLabDepth is the deepest key path of a lab file: the parts of a
	// table header and of a dotted key, and each array or inline table,
	// count one level each.
	MaxLabDepth = 32
	// MaxLabKeyLen is the longest key path of a lab file in bytes, as
	// written (a table header with the key under it). The TOML parser
	// keeps the whole path of every key, so long headers over many keys
	// would cost their product.
	MaxLabKeyLen = 256
)

// sizeError is the message for a file over MaxLabFileSize.
func sizeError(name string) *Error {
	return &Error{File: name, Msg: fmt.Sprintf("file is larger than %s, the limit for a lab file", humanBytes(MaxLabFileSize))}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkLimits checks the size and nesting of a lab file's text.
func checkLimits(name string, src []byte) *Error {
	if len(src) > MaxLabFileSize {
		return sizeError(name)
	}
	switch line, what := shapeWithin(src, MaxLabDepth, MaxLabKeyLen); what {
	case tooDeep:
		return &Error{File: name, Line: line, Msg: fmt.Sprintf("nested more than %d levels deep, the limit for a lab file", MaxLabDepth)}
	case tooLong:
		return &Error{File: name, Line: line, Msg: fmt.Sprintf("key path longer than %d bytes, the limit for a lab file", MaxLabKeyLen)}
	}
	return nil
}

type shapeProblem int

const (
	shapeOK shapeProblem = iota
	tooDeep
	tooLong
)

// shapeWithin scans TOML text for the depth and length of its key paths
// (a cheap pass that knows strings, comments, headers, dotted keys, arrays
// and inline tables, and nothing else) and reports the line where the
// text first goes deeper than maxDepth or writes a key path longer than
// maxLen bytes. Text that is not valid TOML is scanned as well as it goes;
// the parser reports its errors later.
func shapeWithin(src []byte, maxDepth, maxLen int) (int, shapeProblem) {
	type open struct {
		table      bool // '{' rather than '['
		depth, len int  // depth and key path length of the container
	}
	var stack []open
	line := 1
	stmt := true    // at the start of a statement (a key or a header)
	keyMode := true // reading a key
	keyStart := -1  // offset of the key being read; -1 before it starts
	keyBase := 0    // depth above the key being read
	keyBaseLen := 0 // key path length above it
	parts := 1      // parts of the key being read
	tableDepth := 0 // depth of the last [header]
	tableLen := 0   // its length
	valueDepth := 0 // depth of the value being read
	valueLen := 0   // its key path length
	startKey := func(depth, length int) {
		keyMode, keyStart, keyBase, keyBaseLen, parts = true, -1, depth, length, 1
	}
	n := len(src)
	for i := 0; i < n; i++ {
		c := src[i]
		if keyMode && keyStart < 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '#' {
			keyStart = i
		}
		switch c {
		case '\n':
			line++
			if len(stack) == 0 {
				startKey(tableDepth, tableLen)
				stmt = true
			}
		case '#':
			for i+1 < n && src[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			i, line = skipTOMLString(src, i, line)
		case '[':
			if stmt && len(stack) == 0 {
				// A [header] or [[header]]: count its parts.
				start, d := i, 1
				for i++; i < n && src[i] != ']' && src[i] != '\n'; i++ {
					switch src[i] {
					case '.':
						d++
					case '"', '\'':
						i, line = skipTOMLString(src, i, line)
					}
					if d > maxDepth {
						return line, tooDeep
					}
					if i-start > maxLen {
						return line, tooLong
					}
				}
				if i < n && src[i] == '\n' {
					i-- // let the loop count it
				}
				tableDepth, tableLen = d, i-start
				stmt, keyMode = false, false
				continue
			}
			stack = append(stack, open{depth: valueDepth, len: valueLen})
			valueDepth++
			valueLen += 3 // [N]
			if valueDepth > maxDepth {
				return line, tooDeep
			}
			keyMode, stmt = false, false
		case '{':
			if valueDepth+1 > maxDepth {
				return line, tooDeep
			}
			stack = append(stack, open{table: true, depth: valueDepth, len: valueLen})
			startKey(valueDepth, valueLen+1)
			stmt = false
		case ']', '}':
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				valueDepth, valueLen = top.depth, top.len
				stack = stack[:len(stack)-1]
			}
			keyMode = false
		case ',':
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				if top.table {
					startKey(top.depth, top.len+1)
				} else {
					valueDepth, valueLen = top.depth+1, top.len+3
				}
			}
		case '.':
			if keyMode {
				parts++
				if keyBase+parts > maxDepth {
					return line, tooDeep
				}
			}
		case '=':
			if keyMode {
				valueDepth = keyBase + parts
				valueLen = keyBaseLen
				if keyStart >= 0 {
					valueLen += i - keyStart
				}
				if valueDepth > maxDepth {
					return line, tooDeep
				}
				if valueLen > maxLen {
					return line, tooLong
				}
				keyMode, stmt = false, false
			}
		case ' ', '\t', '\r':
		default:
			if stmt {
				stmt = false // a key: no header any more on this line
			}
		}
		if keyMode && keyStart >= 0 && keyBaseLen+i-keyStart > maxLen {
			return line, tooLong
		}
	}
	return 0, shapeOK
}

// skipTOMLString moves i (at an opening quote) to the closing quote of
// the string and returns it with the line there.
func skipTOMLString(src []byte, i, line int) (int, int) {
	q := src[i]
	n := len(src)
	if i+2 < n && src[i+1] == q && src[i+2] == q {
		// Multi-line string; up to two more quotes belong to the content.
		for j := i + 3; j < n; j++ {
			switch {
			case src[j] == '\n':
				line++
			case src[j] == '\\' && q == '"':
				if j+1 < n && src[j+1] == '\n' {
					line++
				}
				j++
			case src[j] == q && j+2 < n && src[j+1] == q && src[j+2] == q:
				j += 2
				for j+1 < n && src[j+1] == q {
					j++
				}
				return j, line
			}
		}
		return n, line
	}
	for j := i + 1; j < n; j++ {
		switch {
		case src[j] == '\n':
			return j - 1, line // unterminated: the line break ends it
		case src[j] == '\\' && q == '"':
			j++
		case src[j] == q:
			return j, line
		}
	}
	return n, line
}

// readLabFile reads a lab file of a directory: only a regular file (or a
// symbolic link to one), and never more than MaxLabFileSize bytes. A named
// pipe, device or socket is an error naming the file: reading one could
// block for ever or never end.
func readLabFile(path, shown string) ([]byte, *Error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: shown, Msg: pathErrorText(err)}
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(shown, info.Mode())
	}
	// O_NONBLOCK: should the file have become a named pipe since, opening
	// it does not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &Error{File: shown, Msg: pathErrorText(err)}
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, &Error{File: shown, Msg: pathErrorText(err)}
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(shown, info.Mode())
	}
	if info.Size() > MaxLabFileSize {
		return nil, sizeError(shown)
	}
	return readLimited(f, shown)
}

// readLimited reads at most MaxLabFileSize bytes (a file that grows while
// it is read is cut off, and is an error).
func readLimited(r io.Reader, shown string) ([]byte, *Error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxLabFileSize+1))
	if err != nil {
		return nil, &Error{File: shown, Msg: pathErrorText(err)}
	}
	if len(src) > MaxLabFileSize {
		return nil, sizeError(shown)
	}
	return src, nil
}

// readFSLabFile reads a lab file of an fs.FS (the embedded labs) with the
// same rules.
func readFSLabFile(fsys fs.FS, name, shown string) ([]byte, *Error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, &Error{File: shown, Msg: pathErrorText(err)}
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(shown, info.Mode())
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, &Error{File: shown, Msg: pathErrorText(err)}
	}
	defer f.Close()
	return readLimited(f, shown)
}

func notRegular(shown string, m fs.FileMode) *Error {
	what := "not a regular file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO), not a regular file"
	case m&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case m&fs.ModeDevice != 0:
		what = "a device, not a regular file"
	case m.IsDir():
		what = "a directory, not a regular file"
	}
	return &Error{File: shown, Msg: what + "; a lab file must be a regular file"}
}

// pathErrorText is an error without the path (the Error names the file).
func pathErrorText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
