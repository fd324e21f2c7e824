module github.com/seed02617006/poe

go 1.26

require (
	github.com/asynkron/protoactor-go v0.0.0-20250909165758-e952b3c0850e // indirect
	github.com/google/uuid v1.6.0 // indirect
	go.uber.org/goleak v1.3.0 // indirect
)
