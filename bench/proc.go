package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports (the kernel fixes it for user space whatever its internal HZ).
const clockTicks = 100

// Memory is a process's resident memory as the kernel reports it.
type Memory struct {
	// RSS is the resident set size now (VmRSS).
	RSS int64
	// Peak is the highest RSS since the process started (VmHWM).
	Peak int64
}

// ReadMemory reads /proc/<pid>/status.
func ReadMemory(pid int) (Memory, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("reading memory of process %d: %w", pid, err)
	}
	return ParseStatus(string(raw))
}

// ParseStatus extracts VmRSS and VmHWM from the text of /proc/<pid>/status.
func ParseStatus(text string) (Memory, error) {
	var m Memory
	var seen int
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return Memory{}, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("parsing %s: %w", key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
		seen++
	}
	if seen != 2 {
		return Memory{}, fmt.Errorf("status has no VmRSS and VmHWM lines (a kernel thread, or an exited process?)")
	}
	return m, nil
}

// ReadCPUTime returns the CPU time (user + system) process pid has used so far.
func ReadCPUTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading CPU time of process %d: %w", pid, err)
	}
	return ParseStat(string(raw))
}

// ParseStat extracts utime + stime from the text of /proc/<pid>/stat. The command name, in
// parentheses, may itself contain spaces and parentheses, so fields are counted after the last ')'.
func ParseStat(text string) (time.Duration, error) {
	end := strings.LastIndexByte(text, ')')
	if end < 0 {
		return 0, fmt.Errorf("stat has no command name")
	}
	// After the name: state is field 3 of stat(5), utime 14 and stime 15.
	f := strings.Fields(text[end+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("stat has %d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parsing CPU ticks %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
