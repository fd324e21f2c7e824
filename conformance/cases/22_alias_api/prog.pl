#!/usr/bin/perl
# Alias API: alias_set returns 0, also for an alias the session already
# has, and EEXIST for another session's; alias_remove returns ESRCH for
# an unknown alias and EPERM for another session's; alias_list lists a
# session's aliases (sorted); alias_resolve and ID_id_to_session find
# sessions by alias or ID, undef when there is none.
use strict;
use warnings;
use POE;
use Errno qw(ESRCH EPERM EEXIST);
$| = 1;

sub code {
  my $r = shift;
  return $r == 0 ? "ok" : $r == ESRCH ? "ESRCH" : $r == EPERM ? "EPERM" : $r == EEXIST ? "EEXIST" : "code $r";
}
sub id_of { my $s = shift; return defined $s ? $s->ID : "undef" }

POE::Session->create(
  inline_states => {
    _start => sub {
      my $kernel = $_[KERNEL];
      print "set zeta: ", code($kernel->alias_set("zeta")), "\n";
      print "set alpha: ", code($kernel->alias_set("alpha")), "\n";
      print "set mid: ", code($kernel->alias_set("mid")), "\n";
      print "set zeta again: ", code($kernel->alias_set("zeta")), "\n";
      print "remove mid: ", code($kernel->alias_remove("mid")), "\n";
      print "own aliases: ", join(",", $kernel->alias_list()), "\n";
    },
    bye => sub {
      my $kernel = $_[KERNEL];
      print "first got bye from ", $_[SENDER]->ID, "\n";
      $kernel->alias_remove($_) for $kernel->alias_list();
      print "aliases left: ", scalar(() = $kernel->alias_list()), "\n";
    },
    _stop => sub { print "first _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub {
      my $kernel = $_[KERNEL];
      print "second set zeta: ", code($kernel->alias_set("zeta")), "\n";
      print "second remove zeta: ", code($kernel->alias_remove("zeta")), "\n";
      print "second remove nope: ", code($kernel->alias_remove("nope")), "\n";
      print "resolve alpha: ", id_of($kernel->alias_resolve("alpha")), "\n";
      print "resolve 1: ", id_of($kernel->alias_resolve(1)), "\n";
      print "resolve nope: ", id_of($kernel->alias_resolve("nope")), "\n";
      print "aliases of 1: ", join(",", $kernel->alias_list(1)), "\n";
      print "aliases of alpha: ", join(",", $kernel->alias_list("alpha")), "\n";
      print "second's aliases: ", scalar(() = $kernel->alias_list()), "\n";
      print "ID_id_to_session 1: ", id_of($kernel->ID_id_to_session(1)), "\n";
      my $s = $kernel->ID_id_to_session(42);
      print "ID_id_to_session 42: ", id_of($s), ($! == ESRCH ? " ESRCH" : ""), "\n";
      $kernel->call("alpha", "bye");
    },
    _stop => sub { print "second _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
