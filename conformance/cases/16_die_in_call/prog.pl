#!/usr/bin/perl
# Semantic 11: a die inside a call to the caller's own session propagates
# to the caller, which can catch it; uncaught, it is a DIE in the
# caller's event. A die inside a call to another session becomes a DIE
# signal to that session, and the call returns undef.
use strict;
use warnings;
use POE;
$| = 1;

sub clean { my $e = shift; $e =~ s/ at \S+ line \d+\.\n\z//; return $e }

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->alias_set("other");
      $_[KERNEL]->sig(DIE => "on_die");
    },
    fail => sub { die "other failed" },
    on_die => sub {
      print "other got DIE: event=$_[ARG1]{event} error=", clean($_[ARG1]{error_str}), "\n";
      $_[KERNEL]->sig_handled();
      $_[KERNEL]->alias_remove("other");
    },
    _stop => sub { print "other _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->sig(DIE => "on_die");
      $_[KERNEL]->yield("go");
    },
    go => sub {
      my ($kernel, $session) = @_[KERNEL, SESSION];
      my $ok = eval { $kernel->call($session, "fail"); 1 };
      print "caught from own call: ", ($ok ? "nothing" : clean($@)), "\n";
      my $r = $kernel->call("other", "fail");
      print "call to other returned ", (defined $r ? $r : "undef"), "\n";
      $kernel->yield("uncaught");
    },
    uncaught => sub {
      $_[KERNEL]->call($_[SESSION], "fail");
      print "not reached\n";
    },
    fail => sub { die "self failed" },
    on_die => sub {
      print "caller got DIE: event=$_[ARG1]{event} error=", clean($_[ARG1]{error_str}), "\n";
      $_[KERNEL]->sig_handled();
    },
    _stop => sub { print "caller _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
