package credentials

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// SharedConfigOptions configures a SharedConfigProvider and S3Region. Empty
// fields take the AWS CLI's defaults, read when the provider fetches.
type SharedConfigOptions struct {
	// Profile names the profile. Default AWS_PROFILE, then
	// AWS_DEFAULT_PROFILE, then "default". A profile named by the option
	// or the environment must exist; a missing "default" profile just
	// finds nothing.
	Profile string
	// CredentialsFile is the shared credentials file, with [name]
	// sections. Default AWS_SHARED_CREDENTIALS_FILE, then
	// ~/.aws/credentials.
	CredentialsFile string
	// ConfigFile is the shared config file, with [default] and
	// [profile name] sections. Default AWS_CONFIG_FILE, then ~/.aws/config.
	ConfigFile string
	// STS is used by role_arn profiles (AssumeRole, and
	// AssumeRoleWithWebIdentity with web_identity_token_file). Its Region
	// defaults to the environment's, then the role profile's region.
	STS STSOptions
	// IMDS is used by profiles with credential_source = Ec2InstanceMetadata.
	IMDS IMDSOptions
	// Container is used by profiles with credential_source = EcsContainer.
	Container ContainerOptions
	// ProcessStderr receives the standard error of credential_process
	// commands. Default os.Stderr.
	ProcessStderr io.Writer
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

func (o *SharedConfigOptions) profile() (name string, explicit bool) {
	if n := firstNonEmpty(o.Profile, os.Getenv("AWS_PROFILE"), os.Getenv("AWS_DEFAULT_PROFILE")); n != "" {
		return n, true
	}
	return "default", false
}

func (o *SharedConfigOptions) credentialsFile() string {
	return firstNonEmpty(o.CredentialsFile, os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), homePath(".aws", "credentials"))
}

func (o *SharedConfigOptions) configFile() string {
	return firstNonEmpty(o.ConfigFile, os.Getenv("AWS_CONFIG_FILE"), homePath(".aws", "config"))
}

// SharedConfigProvider reads credentials from the AWS shared config and
// credentials files, as the AWS CLI does. For the selected profile (values
// in the credentials file win over the config file's) it uses, in order:
//
//   - role_arn: the role is assumed through STS. With
//     web_identity_token_file, by AssumeRoleWithWebIdentity; otherwise by
//     AssumeRole, signed with the credentials of source_profile (resolved
//     the same way, so roles can chain; a profile naming itself uses its
//     own static keys) or of credential_source (Environment,
//     Ec2InstanceMetadata or EcsContainer). role_session_name, external_id
//     and duration_seconds are honoured; mfa_serial is refused, as there is
//     no one to ask for a code.
//   - aws_access_key_id, aws_secret_access_key and aws_session_token.
//   - credential_process (see ProcessProvider).
//
// No files, or a "default" profile that is absent or holds none of these,
// means nothing here and a chain moves on. A malformed file, a missing
// named profile, a source_profile cycle, IAM Identity Center (sso_*)
// settings, or a failing STS call or process are errors, naming the file
// and line where they can.
//
// Credentials are cached: long-term keys until Invalidate, temporary ones
// until shortly before they expire, when the files are read again. It is
// safe for concurrent use.
type SharedConfigProvider struct {
	cache *signer.CredentialsCache
	opts  SharedConfigOptions
}

// NewSharedConfig returns a shared config provider.
func NewSharedConfig(optFns ...func(*SharedConfigOptions)) *SharedConfigProvider {
	var o SharedConfigOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	p := &SharedConfigProvider{opts: o}
	p.cache = newCache(p.fetch, o.Cache)
	return p
}

// Retrieve returns the profile's credentials, from the cache or from the
// files (and STS or the profile's process).
func (p *SharedConfigProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached credentials, so the files are read again.
func (p *SharedConfigProvider) Invalidate() { p.cache.Invalidate() }

// String names the profile; it reveals no secret.
func (p *SharedConfigProvider) String() string {
	name, _ := p.opts.profile()
	return "SharedConfig(profile " + name + ")"
}

// GoString is String.
func (p *SharedConfigProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *SharedConfigProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

func (p *SharedConfigProvider) fetch(ctx context.Context) (signer.Credentials, error) {
	files, err := loadAWSFiles(&p.opts)
	if err != nil {
		return signer.Credentials{}, err
	}
	name, explicit := p.opts.profile()
	if files.config == nil && files.creds == nil {
		if explicit {
			return signer.Credentials{}, fmt.Errorf("credentials: shared config: profile %q is selected but neither %s nor %s exists", name, files.credsPath, files.configPath)
		}
		return signer.Credentials{}, notFound("shared config: no %s or %s", files.credsPath, files.configPath)
	}
	if _, ok := files.profile(name); !ok {
		if explicit {
			return signer.Credentials{}, fmt.Errorf("credentials: shared config: profile %q is in neither %s nor %s", name, files.credsPath, files.configPath)
		}
		return signer.Credentials{}, notFound("shared config: no default profile in %s or %s", files.credsPath, files.configPath)
	}
	r := &awsResolver{files: files, opts: &p.opts, now: clockOf(p.opts.Cache)}
	fetch, err := r.resolve(name, nil)
	if err != nil {
		return signer.Credentials{}, err
	}
	return fetch(ctx)
}

// awsFiles are the parsed shared files; a missing file is nil.
type awsFiles struct {
	config, creds         *iniFile
	configPath, credsPath string
}

func loadAWSFiles(o *SharedConfigOptions) (*awsFiles, error) {
	f := &awsFiles{configPath: o.configFile(), credsPath: o.credentialsFile()}
	var err error
	if f.config, err = loadINI(f.configPath); err != nil {
		return nil, err
	}
	if f.creds, err = loadINI(f.credsPath); err != nil {
		return nil, err
	}
	return f, nil
}

// loadINI reads and parses an INI file; a missing file (or an empty path)
// is nil.
func loadINI(path string) (*iniFile, error) {
	if path == "" {
		return nil, nil
	}
	b, ok, err := readConfigFile(path)
	if err != nil || !ok {
		return nil, err
	}
	return parseINI(path, b)
}

// awsProfile is one profile's settings merged from both files.
type awsProfile struct {
	name string
	vals map[string]profileValue
}

type profileValue struct {
	value string
	path  string
	line  int
}

// profile merges the config file's section for name ("[profile name]", or
// "[default]" and "[profile default]") with the credentials file's
// "[name]", the latter winning. ok is false when neither file has it.
func (f *awsFiles) profile(name string) (*awsProfile, bool) {
	p := &awsProfile{name: name, vals: map[string]profileValue{}}
	found := false
	add := func(path string, s *iniSection) {
		if s == nil {
			return
		}
		found = true
		for k, v := range s.keys {
			p.vals[k] = profileValue{value: v.value, path: path, line: v.line}
		}
	}
	if name == "default" {
		add(f.configPath, f.config.section("profile default"))
		add(f.configPath, f.config.section("default"))
	} else {
		add(f.configPath, f.config.section("profile "+name))
	}
	add(f.credsPath, f.creds.section(name))
	return p, found
}

func (p *awsProfile) get(key string) profileValue { return p.vals[key] }

func (v profileValue) err(format string, args ...any) *FileError {
	return fileErr(v.path, v.line, format, args...)
}

// awsResolver turns a profile into a fetch function.
type awsResolver struct {
	files *awsFiles
	opts  *SharedConfigOptions
	now   func() time.Time
}

// maxRoleChain bounds source_profile chains.
const maxRoleChain = 16

func (r *awsResolver) resolve(name string, chain []string) (fetchFunc, error) {
	p, ok := r.files.profile(name)
	if !ok {
		return nil, fmt.Errorf("credentials: shared config: profile %q is in neither %s nor %s", name, r.files.credsPath, r.files.configPath)
	}
	for _, k := range []string{"sso_session", "sso_start_url", "sso_account_id", "sso_role_name"} {
		if v := p.get(k); v.value != "" {
			return nil, v.err("profile %q uses IAM Identity Center (%s), which polystore does not support; export its credentials (aws configure export-credentials) or use credential_process", name, k)
		}
	}
	if role := p.get("role_arn"); role.value != "" {
		return r.resolveRole(p, role, chain)
	}
	if f, ok, err := staticKeys(p); ok || err != nil {
		return f, err
	}
	if proc := p.get("credential_process"); proc.value != "" {
		pr := &process{
			command: proc.value,
			stderr:  r.opts.ProcessStderr,
			what:    fmt.Sprintf("credential_process of profile %s (%s:%d)", name, proc.path, proc.line),
		}
		return pr.fetch, nil
	}
	return nil, notFound("shared config: profile %q has no credentials", name)
}

// staticKeys returns the profile's aws_access_key_id and
// aws_secret_access_key; ok is false when it has neither.
func staticKeys(p *awsProfile) (fetchFunc, bool, error) {
	id, secret := p.get("aws_access_key_id"), p.get("aws_secret_access_key")
	switch {
	case id.value == "" && secret.value == "":
		return nil, false, nil
	case secret.value == "":
		return nil, true, id.err("profile %q has aws_access_key_id but no aws_secret_access_key", p.name)
	case id.value == "":
		return nil, true, secret.err("profile %q has aws_secret_access_key but no aws_access_key_id", p.name)
	}
	creds := signer.Credentials{AccessKeyID: id.value, SecretAccessKey: secret.value, SessionToken: p.get("aws_session_token").value}
	return func(context.Context) (signer.Credentials, error) { return creds, nil }, true, nil
}

func (r *awsResolver) resolveRole(p *awsProfile, role profileValue, chain []string) (fetchFunc, error) {
	if mfa := p.get("mfa_serial"); mfa.value != "" {
		return nil, mfa.err("profile %q needs an MFA code (mfa_serial), which polystore cannot prompt for", p.name)
	}
	var duration time.Duration
	if ds := p.get("duration_seconds"); ds.value != "" {
		n, err := strconv.Atoi(ds.value)
		if err != nil || n < 900 || n > 43200 {
			return nil, ds.err("duration_seconds must be a whole number of seconds from 900 to 43200")
		}
		duration = time.Duration(n) * time.Second
	}
	region := p.get("region").value
	sessionName := p.get("role_session_name").value

	if wit := p.get("web_identity_token_file"); wit.value != "" {
		w := &webIdentity{
			opts: WebIdentityOptions{TokenFile: wit.value, RoleARN: role.value, RoleSessionName: sessionName,
				Duration: duration, STS: r.opts.STS},
			region: region,
			now:    r.now,
		}
		return w.fetch, nil
	}

	var source fetchFunc
	sp, cs := p.get("source_profile"), p.get("credential_source")
	switch {
	case sp.value != "" && cs.value != "":
		return nil, cs.err("profile %q sets both source_profile and credential_source", p.name)
	case sp.value == p.name:
		f, ok, err := staticKeys(p)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, sp.err("profile %q is its own source_profile but has no aws_access_key_id", p.name)
		}
		source = f
	case sp.value != "":
		chain = append(chain, p.name)
		for _, seen := range chain {
			if seen == sp.value {
				return nil, sp.err("source_profile %q leads back to itself (%s)", sp.value, strings.Join(append(chain, sp.value), " → "))
			}
		}
		if len(chain) > maxRoleChain {
			return nil, sp.err("source_profile chain longer than %d profiles", maxRoleChain)
		}
		f, err := r.resolve(sp.value, chain)
		if isNotFound(err) {
			return nil, sp.err("source_profile %q has no credentials", sp.value)
		}
		if err != nil {
			return nil, err
		}
		source = f
	case cs.value != "":
		switch strings.ToLower(cs.value) {
		case "environment":
			source = envProvider{env: awsEnv}.Retrieve
		case "ec2instancemetadata":
			source = newIMDS(func(o *IMDSOptions) { *o = r.opts.IMDS }).fetch
		case "ecscontainer":
			source = newContainer(func(o *ContainerOptions) { *o = r.opts.Container }).fetch
		default:
			return nil, cs.err("credential_source must be Environment, Ec2InstanceMetadata or EcsContainer")
		}
	default:
		return nil, role.err("profile %q has role_arn but neither source_profile nor credential_source nor web_identity_token_file", p.name)
	}
	ar := &assumeRole{
		source:      source,
		roleARN:     role.value,
		sessionName: sessionName,
		externalID:  p.get("external_id").value,
		duration:    duration,
		stsOpts:     r.opts.STS,
		region:      region,
		now:         r.now,
	}
	return ar.fetch, nil
}

// awsEnv names the AWS credential environment variables.
var awsEnv = signer.EnvCredentials{
	AccessKeyVars: []string{"AWS_ACCESS_KEY_ID"},
	SecretVars:    []string{"AWS_SECRET_ACCESS_KEY"},
	TokenVars:     []string{"AWS_SESSION_TOKEN"},
}

// S3Region returns the AWS region configured outside the program:
// AWS_REGION, then AWS_DEFAULT_REGION, then the selected profile's region
// in the shared config files (see SharedConfigOptions for the profile and
// file defaults). It returns "" when none is set, and an error only for a
// malformed file.
func S3Region(optFns ...func(*SharedConfigOptions)) (string, error) {
	if r := firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION")); r != "" {
		return r, nil
	}
	var o SharedConfigOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	files, err := loadAWSFiles(&o)
	if err != nil {
		return "", err
	}
	name, _ := o.profile()
	p, _ := files.profile(name)
	return p.get("region").value, nil
}

// S3ChainOptions configures NewS3Chain: one field per link.
type S3ChainOptions struct {
	// Env names the environment variables of the first link. Default
	// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
	Env          signer.EnvCredentials
	SharedConfig SharedConfigOptions // the shared files link
	WebIdentity  WebIdentityOptions  // the AWS_WEB_IDENTITY_TOKEN_FILE link
	Container    ContainerOptions    // the ECS/EKS link
	IMDS         IMDSOptions         // the EC2 instance metadata link
}

// NewS3Chain returns the default chain for S3 and S3-compatible servers,
// in the order the AWS SDKs use: environment → shared config and
// credentials files → web identity token (AWS_WEB_IDENTITY_TOKEN_FILE) →
// ECS/EKS container credentials → EC2 instance metadata (IMDSv2).
func NewS3Chain(optFns ...func(*S3ChainOptions)) *Chain {
	var o S3ChainOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if len(o.Env.AccessKeyVars) == 0 {
		o.Env = awsEnv
	}
	return NewChain(
		envProvider{env: o.Env},
		NewSharedConfig(func(s *SharedConfigOptions) { *s = o.SharedConfig }),
		NewWebIdentity(func(w *WebIdentityOptions) { *w = o.WebIdentity }),
		NewContainer(func(c *ContainerOptions) { *c = o.Container }),
		NewIMDS(func(m *IMDSOptions) { *m = o.IMDS }),
	)
}
