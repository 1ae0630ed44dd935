package transfer

import "fmt"

// State is the stage a task is in.
type State int

// Task states. A task starts StateWaiting and ends in StateDone,
// StateFailed or StateCancelled.
const (
	// StateWaiting: queued for one of the manager's file slots.
	StateWaiting State = iota
	// StateChecking: preparing — reading the journal, listing parts,
	// re-verifying local bytes, or reading the object's attributes.
	StateChecking
	// StateRunning: transferring parts.
	StateRunning
	// StatePaused: stopped by Pause; no part is in flight.
	StatePaused
	// StateCancelled: stopped by Cancel or by the task's context.
	StateCancelled
	// StateFailed: stopped by an error.
	StateFailed
	// StateDone: finished successfully.
	StateDone
)

// String returns the state's name: "waiting", "checking", "running",
// "paused", "cancelled", "failed" or "done".
func (s State) String() string {
	switch s {
	case StateWaiting:
		return "waiting"
	case StateChecking:
		return "checking"
	case StateRunning:
		return "running"
	case StatePaused:
		return "paused"
	case StateCancelled:
		return "cancelled"
	case StateFailed:
		return "failed"
	case StateDone:
		return "done"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Values returns every State.
func (State) Values() []State {
	return []State{StateWaiting, StateChecking, StateRunning, StatePaused, StateCancelled, StateFailed, StateDone}
}

// Final reports whether s is a state a task never leaves.
func (s State) Final() bool { return s == StateCancelled || s == StateFailed || s == StateDone }
