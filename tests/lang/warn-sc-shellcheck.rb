# shellcheck runs over every sh command string (when it is installed): findings come back
# at the runbook line and column of the character they are about, with the SC code.
# Interpolations stand in as the quoted word the shell will get ("$RB_1").
runbook "Shell" { severity P3 }
param dir = "/var/tmp"
step s "Step" {
  sh "ls $HOME" readonly                              # expect-warning: 7:10 SC2086
  sh "echo \"#{dir}\" \t $PWD" readonly               # expect-warning: 8:26 SC2086
  sh "cp #{dir}/a #{dir}/b; echo $1" readonly         # expect-warning: 9:34 SC2086
  sh 'echo $USER' readonly                            # expect-warning: 10:12 SC2086
  sh "test -d #{dir} && ls $OLDPWD" readonly  # runbook:disable SC2086 -- the shell's own variable
  # runbook:disable SC2086 -- on the line before
  sh "ls $HOME" readonly
  let script = "ls $HOME"
  sh(script, readonly: true)                          # a variable: not checked
  sh <<~SH readonly
    for f in #{dir}/*; do
      echo "$f"
    done
    wc -l $LOGFILE
    SH
  # expect-warning: 20:11 SC2086
  # expect-warning: 8:7 SC2291
  sh(<<~'SH', readonly: true)
    printf '%s\n' "#{not interpolated}"
      cat $TMPFILE
    SH
  # expect-warning: 26:11 SC2086
}
