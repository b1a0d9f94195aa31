package pgserver

import (
	"fmt"
	"io"
	"os"
	"os/exec"
)

// child is a server process this process started: its handle, a channel closed once
// it has exited and been reaped, and where its log began for this start.
type child struct {
	proc     *os.Process
	exited   chan struct{}
	logStart int64
}

// startChild runs name with args in dir as a child of this process, in its own
// session (as acct when set), appending its output to logPath, and reaps it when it
// exits.
func startChild(acct *account, dir, logPath, name string, args ...string) (child, error) {
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return child{}, fmt.Errorf("pgserver: %w", err)
	}
	defer logFile.Close()
	logStart, err := logFile.Seek(0, io.SeekEnd)
	if err != nil {
		return child{}, fmt.Errorf("pgserver: %w", err)
	}
	if err := acct.chown(logPath); err != nil {
		return child{}, err
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = acct.procAttr(true)
	if err := cmd.Start(); err != nil {
		return child{}, fmt.Errorf("pgserver: start %s: %w", name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	return child{proc: cmd.Process, exited: exited, logStart: logStart}, nil
}
