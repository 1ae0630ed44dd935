module github.com/polystore/polystore

go 1.24.0

require (
	github.com/aws/smithy-go v1.28.8
	golang.org/x/sync v0.19.0
)
