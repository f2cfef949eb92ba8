"""Evidence at a stored article's address is that story: the lookup by url gets its own indexes (issue 28).

The independence report (every claim page and every transition's answer for a claim with
supporting evidence) finds the article or syndicated copy at each evidence url. The only index
on the articles' url is unique over current versions, which the lookup does not name, and the
appearances had none: at 10M claims each lookup read the 250,000 articles, 70-100 ms a claim."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0026_autovacuum_at_scale'),
        ('sources', '0002_source_affiliation'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(condition=models.Q(('url', ''), _negated=True), fields=['url'], name='article_url_idx'),
        ),
        migrations.AddIndex(
            model_name='articleappearance',
            index=models.Index(condition=models.Q(('url', ''), _negated=True), fields=['url'], name='appearance_url_idx'),
        ),
    ]
