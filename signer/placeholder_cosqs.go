package signer

// PLACEHOLDER: the COS/QingStor helper replaces this file with cos.go and qingstor.go and deletes it.

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// COS is a placeholder.
type COS struct{}

// COSOptions is a placeholder.
type COSOptions struct{}

// NewCOS is a placeholder.
func NewCOS(creds CredentialsProvider, optFns ...func(*COSOptions)) *COS { return &COS{} }

// Sign is a placeholder.
func (*COS) Sign(context.Context, *http.Request, time.Time) error { return errors.New("todo") }

// QingStor is a placeholder.
type QingStor struct{}

// NewQingStor is a placeholder.
func NewQingStor(creds CredentialsProvider) *QingStor { return &QingStor{} }

// Sign is a placeholder.
func (*QingStor) Sign(context.Context, *http.Request, time.Time) error { return errors.New("todo") }

// VerifyCOS is a placeholder.
func VerifyCOS(r *http.Request, lookup SecretLookup, now time.Time) error { return errors.New("todo") }

// VerifyQingStor is a placeholder.
func VerifyQingStor(r *http.Request, lookup SecretLookup, now time.Time) error {
	return errors.New("todo")
}
