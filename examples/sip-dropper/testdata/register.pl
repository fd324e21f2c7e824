#!/usr/bin/perl
# register.pl SERVER-PORT LOCAL-PORT COUNT WAIT
#
# Sends COUNT REGISTERs with Net::SIP::Simple from 127.0.0.1:LOCAL-PORT to
# the registrar at 127.0.0.1:SERVER-PORT, one after the other, waiting at
# most WAIT seconds for each final response. Prints one line per REGISTER
# ("answered N", "failed N CODE", "unanswered N") and a summary
# "answered=A failed=F unanswered=U". A REGISTER left unanswered is taken
# off Net::SIP's retransmission queue before the next one is sent.
use strict;
use warnings;
use Net::SIP;

@ARGV == 4 or die "usage: $0 SERVER-PORT LOCAL-PORT COUNT WAIT\n";
my ($sport, $lport, $count, $wait) = @ARGV;
$| = 1;

my $ua = Net::SIP::Simple->new(
	leg       => "127.0.0.1:$lport",
	registrar => "sip:127.0.0.1:$sport",
	from      => "sip:alice\@127.0.0.1",
) or die "cannot create the user agent: $!\n";

my ($answered, $failed, $unanswered) = (0, 0, 0);
for my $i (1 .. $count) {
	my $callid = "register-pl-$$-$lport-$i\@127.0.0.1";
	my ($done, $status, %info);
	$ua->register(
		callid   => $callid,
		expires  => 60,
		cb_final => sub { ($status, %info) = @_; $done = 1 },
	);
	$ua->loop($wait, \$done);
	if (!$done) {
		$ua->{dispatcher}->cancel_delivery(callid => $callid);
		$unanswered++;
		print "unanswered $i\n";
	} elsif ($status eq 'OK') {
		$answered++;
		print "answered $i expires=", ($info{expires} // 'none'), "\n";
	} else {
		$failed++;
		print "failed $i ", ($info{code} // $info{errno} // '?'), "\n";
	}
}
print "answered=$answered failed=$failed unanswered=$unanswered\n";
$ua->cleanup;
