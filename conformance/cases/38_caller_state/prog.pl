#!/usr/bin/perl
# CALLER_STATE and get_active_event: they name the event being
# dispatched, which a Call to the session's own handler does not change
# (POE runs it without dispatching), and which stays the original name
# in a _default handler.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->alias_set("r") },
    got    => sub { print "r got $_[ARG0] from state $_[CALLER_STATE]\n"; return "ok" },
    bye    => sub { print "r bye from state $_[CALLER_STATE]\n"; $_[KERNEL]->alias_remove("r") },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->post("r", "got", "post-from-start");
      $_[KERNEL]->yield("outer");
    },
    outer => sub {
      my $k = $_[KERNEL];
      print "outer active ", $k->get_active_event, " caller_state $_[CALLER_STATE]\n";
      $k->call($_[SESSION], "inner");
      print "outer active after inner ", $k->get_active_event, "\n";
      $k->call("r", "got", "call-from-outer");
      $k->post("r", "got", "post-from-outer");
      $k->yield("mystery");
    },
    inner => sub {
      my $k = $_[KERNEL];
      print "inner active ", $k->get_active_event, " caller_state $_[CALLER_STATE] state $_[STATE]\n";
      $k->post("r", "got", "post-from-inner");
      $k->call("r", "got", "call-from-inner");
      $k->call($_[SESSION], "innermost");
    },
    innermost => sub {
      print "innermost active ", $_[KERNEL]->get_active_event, " caller_state $_[CALLER_STATE]\n";
    },
    _default => sub {
      my $k = $_[KERNEL];
      return 0 if $_[ARG0] eq "_stop" or $_[ARG0] eq "_child";
      print "_default for $_[ARG0] active ", $k->get_active_event, " state $_[STATE]\n";
      $k->post("r", "got", "post-from-default");
      $k->call("r", "got", "call-from-default");
      $k->post("r", "bye");
      return 0;
    },
  },
);

POE::Kernel->run();
print "run returned\n";
