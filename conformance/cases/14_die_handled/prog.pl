#!/usr/bin/perl
# Semantic 11: a die in a handler becomes a DIE signal to that session
# and its ancestors, deepest first, with ARG0 = "DIE" and ARG1 describing
# the exception. One sig_handled keeps every session running.
use strict;
use warnings;
use POE;
$| = 1;

sub clean { my $e = shift; $e =~ s/ at \S+ line \d+\.\n\z//; return $e }

sub on_die {
  my ($name, $handles) = @_;
  return sub {
    my ($kernel, $signal, $ex) = @_[KERNEL, ARG0, ARG1];
    print "$name got $signal: event=$ex->{event} dest=", $ex->{dest_session}->ID,
      " source=", $ex->{source_session}->ID, " from=$ex->{from_state}",
      " error=", clean($ex->{error_str}), "\n";
    $kernel->sig_handled() if $handles;
  };
}

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->sig(DIE => "on_die");
      POE::Session->create(
        inline_states => {
          _start => sub {
            $_[KERNEL]->sig(DIE => "on_die");
            $_[KERNEL]->yield("explode");
          },
          explode => sub {
            print "child explode\n";
            $_[KERNEL]->yield("after");
            die "boom";
            print "not reached\n";
          },
          after => sub { print "child after: still running\n" },
          on_die => on_die("child", 0),
          _stop => sub { print "child _stop\n" },
        },
      );
    },
    on_die => on_die("parent", 1),
    _stop => sub { print "parent _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
